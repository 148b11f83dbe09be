"""Accuracy of theta0 + lam * tau_t on task t (val) along lam, for given pools."""
import sys
sys.path.insert(0, '/tmp/zoostudy')
import study
from study import *
torch.set_num_threads(1)
base = sys.argv[1]; task = sys.argv[2]
ck = torch.load(f'{R}/{base}/theta0.pt'); th0 = ck['sd']; model = tower_from(ck['cfg'])
keys = [k for k in th0 if k != 'visual_projection.weight']
for tag in sys.argv[3:]:
    sd = torch.load(f'{R}/{base}/{tag}/{task}.pt')['sd']
    out = []
    for lam in (0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5):
        out.append(study.acc(model, {**th0, **{k: th0[k] + lam * (sd[k] - th0[k]) for k in keys}}, ck['heads'], [task], 'val')[task])
    print(tag, task, ' '.join(f'{v:.0f}' for v in out), flush=True)
