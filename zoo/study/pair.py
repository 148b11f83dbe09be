"""theta0 + lam*(tau_a + tau_b) on all tasks (val): is the pair additive?"""
import sys
sys.path.insert(0, '/tmp/zoostudy')
import study
from study import *
torch.set_num_threads(1)
base, a_, b_ = sys.argv[1:4]
ck = torch.load(f'{R}/{base}/theta0.pt'); th0 = ck['sd']; model = tower_from(ck['cfg'])
keys = [k for k in th0 if k != 'visual_projection.weight']
for tag in sys.argv[4:]:
    A = torch.load(f'{R}/{base}/{tag}/{a_}.pt')['sd']; B = torch.load(f'{R}/{base}/{tag}/{b_}.pt')['sd']
    for lam in (0.3, 0.5, 1.0):
        r = study.acc(model, {**th0, **{k: th0[k] + lam * (A[k] + B[k] - 2 * th0[k]) for k in keys}}, ck['heads'], TASKS, 'val')
        print(tag, lam, ' '.join(f'{t[:5]} {r[t]:.0f}' for t in TASKS), flush=True)
