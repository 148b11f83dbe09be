"""Round 8 check: does a pair's merge see what the 8-task pool sees? For every pair of tasks, theta0 + 0.3 (tau_a + tau_b)
on the pair's two tasks (val): its normalized gain over the pair, and the pair's task-vector cosine. Usage:
pairscreen.py BASE TAG...  -> per tag: mean pair gain, mean pair cosine, and the MNIST + Fashion-MNIST pair."""
import sys, itertools
sys.path.insert(0, '/tmp/zoostudy')
import study
from study import *
torch.set_num_threads(1)
base = sys.argv[1]
ck = torch.load(f'{R}/{base}/theta0.pt'); th0 = ck['sd']; model = tower_from(ck['cfg']); heads = ck['heads']
keys = [k for k in th0 if k != 'visual_projection.weight']
pre = study.acc(model, th0, heads, TASKS, 'val')
for tag in sys.argv[2:]:
    sd = {t: torch.load(f'{R}/{base}/{tag}/{t}.pt')['sd'] for t in TASKS}
    own = {t: study.acc(model, sd[t], heads, [t], 'val')[t] for t in TASKS}
    flat = {t: torch.cat([(sd[t][k] - th0[k]).flatten() for k in keys]) for t in TASKS}
    gains, coss, rows = [], [], []
    for a, b in itertools.combinations(TASKS, 2):
        r = study.acc(model, {**th0, **{k: th0[k] + 0.3 * (sd[a][k] + sd[b][k] - 2 * th0[k]) for k in keys}}, heads, [a, b], 'val')
        g = np.mean([(r[t] - pre[t]) / (own[t] - pre[t]) for t in (a, b)])
        c = float(F.cosine_similarity(flat[a], flat[b], dim=0))
        gains.append(g); coss.append(c); rows.append((a, b, g, c))
    print(f'{tag}: mean pair g(TA@0.3) {np.mean(gains):.3f}, mean pair cos {np.mean(coss):.3f}', flush=True)
    for a, b, g, c in rows:
        if (a, b) == ('mnist', 'fashion_mnist'):
            print(f'  mnist+fashion_mnist g {g:.3f} cos {c:.3f}', flush=True)
