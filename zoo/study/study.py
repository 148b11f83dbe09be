"""Zoo study, round 2: pre-training corpora that cover the tasks' input domains, LoRA fine-tunes, fine-tunes
regularised towards theta0, larger projection, and merging diagnostics including TSV-M and ISO-C.

  study.py pretrain BASE [--width 64 --mlp 256 --proj 64 --corpus scenes|scenes+rot|scenes+dom --steps 2000 --lr 1e-3 --dom-frac 0.5]
  study.py shipped  BASE                     (theta0 + heads from zoo/mini8)
  study.py ft BASE TAG [--mode full|lora --rank 8 --targets qkvofc --lr 1e-3 --steps 300 --wd 0.1 --l2sp 0]
  study.py eval BASE TAG                     -> results/BASE_TAG.json (val = last 1000 of train, test = 1000)

Splits: fine-tuning and domain pre-training read train[:-1000]; the last 1000 training images of each task are
the validation split (choices are made on it); test is reported, never used to choose.
"""
import sys, time, json, os, argparse, hashlib
sys.path.insert(0, '/tmp/zoostudy')
from zoo import *

torch.set_num_threads(1)
R = '/tmp/zoostudy/runs'
VAL = 1000


def tower_from(cfg):
    return Tower(width=cfg['width'], layers=cfg['layers'], heads=cfg['heads'], mlp=cfg['mlp'], patch=cfg['patch'], proj=cfg['proj'])


def split(t, which):
    X, Y = load_task(t, 'train')
    if which == 'fit':
        return X[:-VAL], Y[:-VAL]
    if which == 'val':  # the last VAL training images are held out; 500 of them are scored
        return np.ascontiguousarray(X[-250:]), Y[-250:]
    X, Y = load_task(t, 'test')
    return np.ascontiguousarray(X), Y


# ---------------------------------------------------------------- pre-training corpora
def domain_corpus(kind, per_task, seed=5):
    """Images of every task's fit split with task-free labels: 'rot' = domain*4 + k (image rotated by k*90 deg),
    'dom' = domain only. Returns uint8 images and labels."""
    rng = np.random.default_rng(seed)
    xs, ys = [], []
    for d, t in enumerate(TASKS):
        X, _ = split(t, 'fit')
        idx = np.sort(rng.choice(len(X), per_task, replace=False))
        x = np.asarray(X[idx])
        if kind == 'rot':
            k = rng.integers(0, 4, per_task)
            x = np.stack([np.rot90(im, kk, axes=(0, 1)) for im, kk in zip(x, k)])
            y = d * 4 + k
        else:
            y = np.full(per_task, d)
        xs.append(np.ascontiguousarray(x)); ys.append(y)
    return np.concatenate(xs), np.concatenate(ys).astype(np.int64)


def pretrain(a):
    cfg = dict(width=a.width, patch=4, layers=a.layers, heads=a.heads, mlp=a.mlp, proj=a.proj)
    model = tower_from(cfg).hf_init(1)
    S = np.load(f'{D}/scenes256_128000_x.npy'); SY = np.load(f'{D}/scenes256_128000_y.npy')
    if a.corpus == 'scenes':
        X, Y = S, SY
    else:
        kind = a.corpus.split('+')[1]
        DX, DY = domain_corpus(kind, a.per_task)
        # mix: the domain corpus makes up dom_frac of the images seen (scenes subsampled to match)
        n_dom = len(DY); n_sc = int(n_dom * (1 - a.dom_frac) / a.dom_frac)
        sel = np.sort(np.random.default_rng(3).choice(len(SY), min(n_sc, len(SY)), replace=False))
        X = np.concatenate([S[sel], DX]); Y = np.concatenate([SY[sel], DY + 256])
    C = int(Y.max()) + 1
    dirs = random_directions(C, a.proj, 7)
    t0 = time.time()
    losses = train(model, X, Y, dirs, 30.0, a.steps, 64, a.lr, 100, 0.05, 2, list(model.parameters()), log_every=100, tag='pre')
    pre_s = time.time() - t0
    heads = {}
    for t in TASKS:
        Xt, Yt = split(t, 'fit'); heads[t] = build_head(model, Xt[:20000], Yt[:20000])
    os.makedirs(f'{R}/{a.base}', exist_ok=True)
    torch.save(dict(cfg=cfg, sd=model.state_dict(), heads=heads, pre_s=pre_s, args=vars(a),
                    pre_loss=[float(np.mean(losses[:50])), float(np.mean(losses[-50:]))]), f'{R}/{a.base}/theta0.pt')
    print(f'pretrained {a.base} in {pre_s:.0f}s loss {np.mean(losses[:50]):.3f}->{np.mean(losses[-50:]):.3f}', flush=True)


# ---------------------------------------------------------------- fine-tuning
class LoRA(nn.Module):
    """y = W x + b + (alpha/r) B A x; W, b frozen; B starts at zero (PEFT's default)."""
    def __init__(s, lin, r, alpha, seed):
        super().__init__()
        s.lin = lin; s.scale = alpha / r
        g = torch.Generator().manual_seed(seed)
        bound = 1 / math.sqrt(lin.in_features)  # kaiming_uniform(a=sqrt(5)) as PEFT
        s.A = nn.Parameter((torch.rand(r, lin.in_features, generator=g) * 2 - 1) * bound)
        s.B = nn.Parameter(torch.zeros(lin.out_features, r))

    def forward(s, x):
        return s.lin(x) + s.scale * F.linear(F.linear(x, s.A), s.B)

    def merged(s):
        return s.lin.weight.data + s.scale * (s.B.data @ s.A.data)


TARGETS = {'q': 'q_proj', 'k': 'k_proj', 'v': 'v_proj', 'o': 'out_proj', '1': 'fc1', '2': 'fc2'}


def finetune(a):
    ck = torch.load(f'{R}/{a.base}/theta0.pt')
    os.makedirs(f'{R}/{a.base}/{a.tag}', exist_ok=True)
    for t in (a.tasks or TASKS):
        out = f'{R}/{a.base}/{a.tag}/{t}.pt'
        if os.path.exists(out):
            continue
        ti = TASKS.index(t)
        model = tower_from(ck['cfg']); model.load_state_dict(ck['sd'])
        for p in model.parameters():
            p.requires_grad_(False)
        if a.mode == 'full':
            params = [q for n, q in model.named_parameters() if n != 'visual_projection.weight']
            for p in params:
                p.requires_grad_(True)
        else:
            params = []
            for li, layer in enumerate(model.layers):
                for c in a.targets:
                    name = TARGETS[c]
                    lo = LoRA(getattr(layer, name), a.rank, a.alpha or a.rank, 1000 * ti + 10 * li + list(TARGETS).index(c))
                    setattr(layer, name, lo); params += [lo.A, lo.B]
        anchor = [p.detach().clone() for p in params]
        Xt, Yt = split(t, 'fit')
        t0 = time.time()
        hook = None
        if a.l2sp > 0:  # decoupled decay towards theta0: p -= lr_t * l2sp * (p - p0) after every step
            hook = (anchor, a.l2sp)
        losses = train2(model, Xt, Yt, ck['heads'][t], 30.0, a.steps, 64, a.lr, max(1, a.steps // 10), a.wd, 10 + ti, params, hook)
        s = time.time() - t0
        if a.mode != 'full':
            for layer in model.layers:
                for c in a.targets:
                    name = TARGETS[c]; lo = getattr(layer, name)
                    lo.lin.weight.data.copy_(lo.merged()); setattr(layer, name, lo.lin)
        torch.save(dict(sd=model.state_dict(), ft_s=s, loss=[float(np.mean(losses[:20])), float(np.mean(losses[-20:]))]), out)
        print(f'ft {a.base}/{a.tag} {t} {s:.0f}s loss {np.mean(losses[:20]):.3f}->{np.mean(losses[-20:]):.3f}', flush=True)


def train2(model, X, Y, head, scale, steps, batch, lr, warm, wd, seed, params, hook=None):
    opt = torch.optim.AdamW(params, lr=lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=wd)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(Y)); pos = 0
    headT = head.t().contiguous(); losses = []
    model.train()
    for step in range(steps):
        if pos + batch > len(order):
            order = rng.permutation(len(Y)); pos = 0
        idx = np.sort(order[pos:pos + batch]); pos += batch
        x = prep(X[idx]); y = torch.from_numpy(Y[idx])
        cur = cosine_lr(lr, warm, steps, step)
        for gparam in opt.param_groups:
            gparam['lr'] = cur
        loss = F.cross_entropy(scale * model(x) @ headT, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        if hook:
            with torch.no_grad():
                for p, p0 in zip(params, hook[0]):
                    p.sub_(cur * hook[1] * (p - p0))
        losses.append(loss.item())
    return losses


# ---------------------------------------------------------------- merging
def ties(taus, k=0.2):
    T = torch.stack(taus)
    kth = int(T.shape[1] * (1 - k))
    thr = T.abs().kthvalue(kth, dim=1, keepdim=True).values
    T = T * (T.abs() >= thr)
    sign = torch.sign(T.sum(0))
    agree = (torch.sign(T) == sign) & (T != 0)
    return (T * agree).sum(0) / agree.sum(0).clamp(min=1)


def polar(X):
    P, _, Qh = torch.linalg.svd(X, full_matrices=False)
    return P @ Qh


def tsv_m(taus):  # list of tensors of one parameter
    if taus[0].dim() != 2:
        return torch.stack(taus).mean(0)
    m, n = taus[0].shape; r = min(m, n); T = len(taus); k = int(r * (1.0 / T))
    U = torch.zeros(m, r, dtype=torch.float64); V = torch.zeros(r, n, dtype=torch.float64); S = torch.zeros(r, dtype=torch.float64)
    for i, t in enumerate(taus):
        u, s, vh = torch.linalg.svd(t.double(), full_matrices=False)
        U[:, i * k:(i + 1) * k] = u[:, :k]; V[i * k:(i + 1) * k] = vh[:k]; S[i * k:(i + 1) * k] = s[:k]
    return (polar(U) @ torch.diag(S) @ polar(V)).float()


def iso_c(taus):
    if taus[0].dim() != 2:
        return torch.stack(taus).mean(0)
    u, s, vh = torch.linalg.svd(torch.stack(taus).sum(0).double(), full_matrices=False)
    return (s.mean() * (u @ vh)).float()


DATA = {}
LAMBDAS = (0.1, 0.3, 0.5, 1.0)
VAL_MERGES = ('simple_avg', 'ta@0.3', 'ties@0.3', 'tsv_m', 'iso_c')


def data(t, which):
    if (t, which) not in DATA:
        DATA[(t, which)] = split(t, which)
        if os.environ.get('SMOKE'):
            DATA[(t, which)] = tuple(v[:20] for v in DATA[(t, which)])
    return DATA[(t, which)]


def acc(model, sd, heads, tasks, which):
    model.load_state_dict(sd)
    return {t: float(accuracy(model, *data(t, which), heads[t])) for t in tasks}


def evaluate(a):
    ck = torch.load(f'{R}/{a.base}/theta0.pt')
    model = tower_from(ck['cfg']); th0 = ck['sd']; heads = ck['heads']
    keys = [k for k in th0 if k != 'visual_projection.weight']
    fts = {}; ft_s = 0
    for t in TASKS:
        f = torch.load(f'{R}/{a.base}/{a.tag}/{t}.pt'); fts[t] = f['sd']; ft_s += f.get('ft_s', 0)
    tau = {t: {k: fts[t][k] - th0[k] for k in keys} for t in TASKS}
    def compose(delta):
        sd = dict(th0)
        for k in keys:
            sd[k] = th0[k] + delta[k]
        return sd
    t0 = time.time()
    R_ = {}
    merges = {'simple_avg': {k: sum(tau[t][k] for t in TASKS) / len(TASKS) for k in keys}}
    for lam in LAMBDAS:
        merges[f'ta@{lam}'] = {k: lam * sum(tau[t][k] for t in TASKS) for k in keys}
    flat = [torch.cat([tau[t][k].flatten() for k in keys]) for t in TASKS]
    tv = 0.3 * ties(flat); i = 0; d = {}
    for k in keys:
        n = th0[k].numel(); d[k] = tv[i:i + n].view_as(th0[k]); i += n
    merges['ties@0.3'] = d
    merges['tsv_m'] = {k: tsv_m([tau[t][k] for t in TASKS]) for k in keys}
    merges['iso_c'] = {k: iso_c([tau[t][k] for t in TASKS]) for k in keys}
    for which in ('val', 'test'):
        r = {}
        r['pretrained'] = acc(model, th0, heads, TASKS, which)
        r['individual'] = {t: acc(model, fts[t], heads, [t], which)[t] for t in TASKS}
        r['retention@0.3'] = {t: acc(model, compose({k: 0.3 * tau[t][k] for k in keys}), heads, [t], which)[t] for t in TASKS}
        for m, delta in merges.items():
            if which == 'test' or m in VAL_MERGES:
                r[m] = acc(model, compose(delta), heads, TASKS, which)
        if which == 'val':  # cross-task accuracy of every task model (val split, 250 per task)
            r['cross'] = {t: acc(model, fts[t], heads, TASKS, which) for t in TASKS}
        R_[which] = r
    Tn = F.normalize(torch.stack(flat), dim=1)
    C = Tn @ Tn.t(); n = len(TASKS)
    base = torch.cat([th0[k].flatten() for k in keys])
    R_['cos'] = C.tolist()
    summ = {}
    for which in ('val', 'test'):
        r = R_[which]
        s = {k: float(np.mean(list(v.values()))) for k, v in r.items() if k != 'cross'}
        p, ind = s['pretrained'], s['individual']
        g = lambda x: (x - p) / (ind - p)
        for m in ['simple_avg', 'ta@0.3', 'ties@0.3', 'tsv_m', 'iso_c']:
            s['g_' + m] = g(s[m])
        if which == 'test':
            best = max(LAMBDAS, key=lambda l: s[f'ta@{l}'])
            s['best_ta_lambda'] = best; s['best_ta'] = s[f'ta@{best}']
        s['retention_rel'] = g(s['retention@0.3'])  # share of the fine-tuning gain kept by theta0 + 0.3 tau_i on task i
        if which == 'val':
            # mean over i != j of (acc of task model i on task j) - pretrained on j
            s['cross_drop'] = float(np.mean([r['cross'][i][j] - r['pretrained'][j] for i in TASKS for j in TASKS if i != j]))
        summ[which] = s
    summ['mean_cos'] = float((C.sum() - n) / (n * (n - 1)))
    summ['tau_rel_norm'] = float(np.mean([f.norm() for f in flat]) / base.norm())
    summ['params'] = int(sum(v.numel() for v in th0.values())); summ['pre_s'] = ck.get('pre_s'); summ['ft_s'] = ft_s
    summ['eval_s'] = time.time() - t0; summ['cfg'] = ck['cfg']
    R_['summary'] = summ
    os.makedirs('/tmp/zoostudy/results', exist_ok=True)
    json.dump(R_, open(f'/tmp/zoostudy/results/{a.base}_{a.tag}.json', 'w'), indent=1)
    for which in ('val', 'test'):
        s = summ[which]
        line = f'{a.base} {a.tag} [{which}] pre {s["pretrained"]:.1f} ind {s["individual"]:.1f} avg {s["simple_avg"]:.1f} TA.3 {s["ta@0.3"]:.1f} '
        if which == 'test':
            line += f'best {s["best_ta"]:.1f}@{s["best_ta_lambda"]} '
        line += (f'TIES {s["ties@0.3"]:.1f} TSV {s["tsv_m"]:.1f} ISO {s["iso_c"]:.1f} | g avg {s["g_simple_avg"]:.2f} TA {s["g_ta@0.3"]:.2f} '
                 f'TIES {s["g_ties@0.3"]:.2f} TSV {s["g_tsv_m"]:.2f} ISO {s["g_iso_c"]:.2f} ret {s["retention_rel"]:.2f}')
        if which == 'val':
            line += f' xdrop {s["cross_drop"]:.1f}'
        print(line)
    print(f'  cos {summ["mean_cos"]:.3f} tau/theta0 {summ["tau_rel_norm"]:.3f} params {summ["params"]} pre_s {summ["pre_s"]} ft_s {ft_s:.0f} eval_s {summ["eval_s"]:.0f}', flush=True)


def shipped(a):
    Z = '/work/main/zoo/mini8'
    cfg = dict(width=a.width, patch=4, layers=a.layers, heads=a.heads, mlp=a.mlp, proj=a.proj)
    model = from_hf(read_safetensors(f'{Z}/pretrained/model.safetensors'), tower_from(cfg))
    heads = {t: read_safetensors(f'{Z}/heads/{t}.safetensors')['weight'] for t in TASKS}
    os.makedirs(f'{R}/{a.base}/shipped', exist_ok=True)
    torch.save(dict(cfg=cfg, sd=model.state_dict(), heads=heads, pre_s=None), f'{R}/{a.base}/theta0.pt')
    for t in TASKS:
        m = from_hf(read_safetensors(f'{Z}/{t}/model.safetensors'), tower_from(cfg))
        torch.save(dict(sd=m.state_dict(), ft_s=0), f'{R}/{a.base}/shipped/{t}.pt')


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('stage'); ap.add_argument('base'); ap.add_argument('tag', nargs='?')
    ap.add_argument('--width', type=int, default=64); ap.add_argument('--mlp', type=int, default=256)
    ap.add_argument('--layers', type=int, default=3); ap.add_argument('--heads', type=int, default=4)
    ap.add_argument('--proj', type=int, default=64); ap.add_argument('--corpus', default='scenes')
    ap.add_argument('--per-task', type=int, default=16000); ap.add_argument('--dom-frac', type=float, default=0.5)
    ap.add_argument('--steps', type=int, default=2000); ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--mode', default='full'); ap.add_argument('--rank', type=int, default=8)
    ap.add_argument('--alpha', type=float, default=0); ap.add_argument('--targets', default='qkvo12')
    ap.add_argument('--wd', type=float, default=0.1); ap.add_argument('--l2sp', type=float, default=0)
    ap.add_argument('--tasks', nargs='*')
    a = ap.parse_args()
    {'pretrain': pretrain, 'ft': finetune, 'eval': evaluate, 'shipped': shipped}[a.stage](a)
