"""Zoo study, round 3: fine-tunes that leave the rest of the representation alone.

  study3.py ft BASE TAG [--steps 300 --lr 1e-3 --wd 0.1 --l2sp 0 --anchor 0 --anchor-feat emb|pool
                         --linear --train all|lastN --scale 30 --margin 0 --tasks ...]
  study3.py screen BASE TAG           -> results/screen_BASE_TAG.json: each existing task model on all 8 tasks (val)
  (pool evaluation: study.py eval BASE TAG)

Functional anchoring (--anchor w): every step adds w * mean_b ||f(s_b; theta) - f(s_b; theta0)||^2 on a batch of 64
images of the pre-training scene corpus (never a task's data); f = normalized embedding (emb) or the pooled,
post-layernorm CLS feature (pool). theta0's features of 16384 fixed scene images are computed once.
Linearised fine-tuning (--linear): the model trained is f(x; theta0) + J_theta f(x; theta0) tau (forward-mode jvp),
only tau trains (AdamW weight decay pulls tau to 0 = theta0); afterwards theta0 + tau is written as a dense model.
"""
import sys, time, json, os, argparse
sys.path.insert(0, '/tmp/zoostudy')
import study
from study import *
from functorch import jvp
from torch.nn.utils.stateless import functional_call

torch.set_num_threads(1)


def pooled(model, x):
    p = model.patch_embedding(x).flatten(2).transpose(1, 2)
    B = p.shape[0]
    h = torch.cat([model.class_embedding.expand(B, 1, -1), p], 1) + model.position_embedding
    h = model.pre_layrnorm(h)
    for l in model.layers:
        h = l(h)
    return model.post_layernorm(h[:, 0])


def feat(model, x, kind):
    return model(x) if kind == 'emb' else pooled(model, x)


def trainable_names(model, spec):
    names = [n for n, _ in model.named_parameters() if n != 'visual_projection.weight']
    if spec == 'all':
        return names
    k = int(spec[4:])  # lastN: the last N encoder layers + post_layernorm
    L = len(model.layers)
    keep = [f'layers.{i}.' for i in range(L - k, L)] + ['post_layernorm.']
    return [n for n in names if any(n.startswith(p) for p in keep)]


def finetune(a):
    ck = torch.load(f'{R}/{a.base}/theta0.pt')
    os.makedirs(f'{R}/{a.base}/{a.tag}', exist_ok=True)
    json.dump(vars(a), open(f'{R}/{a.base}/{a.tag}/args.json', 'w'))
    S = None
    if a.anchor > 0:
        S = np.load(f'{D}/scenes256_128000_x.npy', mmap_mode='r')
        sel = np.sort(np.random.default_rng(11).choice(len(S), 16384, replace=False))
        S = np.ascontiguousarray(S[sel])
        m0 = tower_from(ck['cfg']); m0.load_state_dict(ck['sd']); m0.eval()
        with torch.no_grad():
            S0 = torch.cat([feat(m0, prep(S[i:i + 512]), a.anchor_feat) for i in range(0, len(S), 512)])
        OX, O0 = {}, {}
        if a.anchor_others > 0:  # unlabelled images of every task's fit split, for the anchors of the other tasks
            for ui, u in enumerate(TASKS):
                Xu, _ = split(u, 'fit')
                sel = np.sort(np.random.default_rng(12 + ui).choice(len(Xu), a.anchor_others, replace=False))
                OX[u] = np.ascontiguousarray(Xu[sel])
                with torch.no_grad():
                    O0[u] = torch.cat([feat(m0, prep(OX[u][i:i + 512]), a.anchor_feat) for i in range(0, len(sel), 512)])
    for t in (a.tasks or TASKS):
        out = f'{R}/{a.base}/{a.tag}/{t}.pt'
        if os.path.exists(out):
            continue
        ti = TASKS.index(t)
        model = tower_from(ck['cfg']); model.load_state_dict(ck['sd'])
        names = trainable_names(model, a.train)
        pd = dict(model.named_parameters())
        for p in model.parameters():
            p.requires_grad_(False)
        if a.linear:
            theta0 = {n: p.detach().clone() for n, p in pd.items()}
            tau = {n: torch.zeros_like(pd[n], requires_grad=True) for n in names}
            params = list(tau.values())
            names_t = list(tau)
            def fwd(x):
                f = lambda *ps: functional_call(model, {**theta0, **dict(zip(names_t, ps))}, (x,))
                y0, dy = jvp(f, tuple(theta0[n] for n in names_t), tuple(tau[n] for n in names_t))
                return y0 + dy
        else:
            params = [pd[n] for n in names]
            for p in params:
                p.requires_grad_(True)
            fwd = model
        anchor = [p.detach().clone() for p in params]
        RX, R0 = S, (S0 if S is not None else None)
        if OX:
            RX = np.concatenate([S] + [OX[u] for u in TASKS if u != t])
            R0 = torch.cat([S0] + [O0[u] for u in TASKS if u != t])
        Xt, Yt = split(t, 'fit')
        headT = ck['heads'][t].t().contiguous()
        opt = torch.optim.AdamW(params, lr=a.lr, betas=(0.9, 0.999), eps=1e-8, weight_decay=a.wd)
        rng = np.random.default_rng(10 + ti); srng = np.random.default_rng(100 + ti)
        order = rng.permutation(len(Yt)); pos = 0
        warm = max(1, a.steps // 10); losses = []; alos = []
        model.train(); t0 = time.time()
        for step in range(a.steps):
            if pos + 64 > len(order):
                order = rng.permutation(len(Yt)); pos = 0
            idx = np.sort(order[pos:pos + 64]); pos += 64
            x = prep(Xt[idx]); y = torch.from_numpy(Yt[idx])
            cur = cosine_lr(a.lr, warm, a.steps, step)
            for g in opt.param_groups:
                g['lr'] = cur
            logits = fwd(x) @ headT
            if a.margin > 0:
                logits = logits - a.margin * F.one_hot(y, logits.shape[1]).float()
            loss = F.cross_entropy(a.scale * logits, y)
            tot = loss
            if S is not None:
                sb = np.sort(srng.choice(len(RX), 64, replace=False))
                fs = fwd(prep(RX[sb])) if a.linear else feat(model, prep(RX[sb]), a.anchor_feat)  # linear: emb of the linearised model
                al = (fs - R0[torch.from_numpy(sb)]).pow(2).sum(1).mean()
                tot = loss + a.anchor * al; alos.append(al.item())
            opt.zero_grad(set_to_none=True)
            tot.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            if a.l2sp > 0:
                with torch.no_grad():
                    for p, p0 in zip(params, anchor):
                        p.sub_(cur * a.l2sp * (p - p0))
            losses.append(loss.item())
        s = time.time() - t0
        if a.linear:
            with torch.no_grad():
                for n in names_t:
                    pd[n].add_(tau[n])
        torch.save(dict(sd=model.state_dict(), ft_s=s, loss=[float(np.mean(losses[:20])), float(np.mean(losses[-20:]))],
                        anchor_loss=float(np.mean(alos[-20:])) if alos else None), out)
        print(f'ft {a.base}/{a.tag} {t} {s:.0f}s loss {np.mean(losses[:20]):.3f}->{np.mean(losses[-20:]):.3f}'
              + (f' anchor {np.mean(alos[-20:]):.4f}' if alos else ''), flush=True)


def screen(a):
    ck = torch.load(f'{R}/{a.base}/theta0.pt')
    model = tower_from(ck['cfg']); heads = ck['heads']
    th0 = ck['sd']; keys = [k for k in th0 if k != 'visual_projection.weight']
    n0 = torch.cat([th0[k].flatten() for k in keys]).norm()
    out = {'pretrained': study.acc(model, th0, heads, TASKS, 'val')}
    rows = {}
    for t in TASKS:
        f = f'{R}/{a.base}/{a.tag}/{t}.pt'
        if not os.path.exists(f):
            continue
        sd = torch.load(f)['sd']
        r = study.acc(model, sd, heads, TASKS, 'val')
        ret = study.acc(model, {**th0, **{k: th0[k] + 0.3 * (sd[k] - th0[k]) for k in keys}}, heads, [t], 'val')[t]
        tn = float(torch.cat([(sd[k] - th0[k]).flatten() for k in keys]).norm() / n0)
        cross = float(np.mean([r[j] - out['pretrained'][j] for j in TASKS if j != t]))
        rows[t] = dict(acc=r, own=r[t], cross=cross, ret03=ret, tau_rel=tn)
        print(f'{a.base}/{a.tag} {t}: own {r[t]:.1f} (theta0 {out["pretrained"][t]:.1f}) cross {cross:+.1f} '
              f'ret@0.3 {ret:.1f} tau/theta0 {tn:.3f} | ' + ' '.join(f'{j[:5]} {r[j]:.0f}' for j in TASKS), flush=True)
    out['rows'] = rows
    json.dump(out, open(f'/tmp/zoostudy/results/screen_{a.base}_{a.tag}.json', 'w'), indent=1)


if __name__ == '__main__':
    ap = argparse.ArgumentParser()
    ap.add_argument('stage'); ap.add_argument('base'); ap.add_argument('tag')
    ap.add_argument('--steps', type=int, default=300); ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--wd', type=float, default=0.1); ap.add_argument('--l2sp', type=float, default=0)
    ap.add_argument('--anchor', type=float, default=0); ap.add_argument('--anchor-feat', default='emb')
    ap.add_argument('--linear', action='store_true'); ap.add_argument('--train', default='all')
    ap.add_argument('--tasks', nargs='*'); ap.add_argument('--scale', type=float, default=30.0)
    ap.add_argument('--margin', type=float, default=0.0)
    ap.add_argument('--anchor-others', type=int, default=0)
    a = ap.parse_args()
    {'ft': finetune, 'screen': screen}[a.stage](a)
