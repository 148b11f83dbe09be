"""Independent torch SMILE (FusionBench's SmileMoELinear semantics) on the shipped mini8 zoo, test split."""
import sys, torch, torch.nn as nn, torch.nn.functional as F
import os
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE); sys.argv = ['x']
import study
from zoo import *
torch.set_num_threads(1)
Z = os.path.join(HERE, '..', 'mini8')
cfg = dict(width=64, patch=4, layers=3, heads=4, mlp=256, proj=64)
base = from_hf(read_safetensors(f'{Z}/pretrained/model.safetensors'), study.tower_from(cfg))
heads = {t: read_safetensors(f'{Z}/heads/{t}.safetensors')['weight'] for t in TASKS}
fts = [from_hf(read_safetensors(f'{Z}/{t}/model.safetensors'), study.tower_from(cfg)) for t in TASKS]

class Smile(nn.Module):
    def __init__(s, lin, tuned, gate_k, k, top_k):
        super().__init__()
        s.w0, s.b0, s.top_k = lin.weight.data, lin.bias.data, top_k
        gates, s.experts = [], []
        for m in tuned:
            d = m.weight.data - s.w0
            u, sv, vh = torch.linalg.svd(d, full_matrices=True)
            gates.append(vh[:gate_k])
            kk = min(k, sv.numel())
            s.experts.append((u[:, :kk] * sv[:kk], vh[:kk], m.bias.data - s.b0))
        s.gate = torch.cat(gates)  # (T*gate_k, in)
        s.gate_k = gate_k
    def forward(s, x):
        y = F.linear(x, s.w0, s.b0)
        sh = x.shape; xf = x.reshape(-1, sh[-1])
        g = (xf @ s.gate.t()).view(xf.shape[0], len(s.experts), s.gate_k).norm(dim=2)
        w = torch.softmax(g, dim=1)
        tw, ti = torch.topk(w, s.top_k, dim=1)
        tw = tw / tw.sum(1, keepdim=True)
        out = torch.zeros(xf.shape[0], s.w0.shape[0])
        for e, (us, vh, db) in enumerate(s.experts):
            sel = (ti == e)
            rows = sel.any(1)
            if rows.any():
                we = (tw * sel).sum(1)[rows]
                out[rows] += we[:, None] * ((xf[rows] @ vh.t()) @ us.t() + db)
        return y + out.view(*sh[:-1], -1)

def upscale(gate_k, k, top_k):
    import copy
    m = copy.deepcopy(base)
    for li, l in enumerate(m.layers):
        for name in ['q_proj', 'k_proj', 'v_proj', 'out_proj', 'fc1', 'fc2']:
            setattr(l, name, Smile(getattr(l, name), [getattr(f.layers[li], name) for f in fts], gate_k, k, top_k))
    return m

@torch.no_grad()
def scores(m, t):
    # accuracy, and the loss as FusionBench's task pool reports it: the mean over batches of 128 of the batch-mean loss
    head = read_safetensors(f'{Z}/heads/{t}.safetensors')
    X, Y = study.data(t, 'test')
    correct, losses = 0, []
    for i in range(0, len(Y), 128):
        logits = m(prep(X[i:i + 128])) @ head['weight'].t() * head['logit_scale'].exp()
        y = torch.from_numpy(Y[i:i + 128]).long()
        correct += (logits.argmax(1) == y).sum().item(); losses.append(F.cross_entropy(logits, y).item())
    return 100 * correct / len(Y), sum(losses) / len(losses)

for gk, k in [(1, 128), (16, 16)]:
    m = upscale(gk, k, 1)
    res = {t: scores(m, t) for t in TASKS}
    print(gk, k, ' '.join(f'{t[:5]} {a:.1f}/{l:.6f}' for t, (a, l) in res.items()),
          'avg %.2f' % (sum(a for a, _ in res.values()) / 8), flush=True)
