"""Independent torch WEMoE evaluation (FusionBench's WeightEnsemblingMoE semantics, batch_reduce=True at evaluation)
of a mixture amalgam saved: per-task accuracy and loss on the mini8 test split, batches of 128 images as the task
pool's.  python3 wemoe_check.py SAVED_FOLDER"""
import json, os, sys
import torch, torch.nn.functional as F
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE); sys.argv, folder = ['x'], sys.argv[1]
import study
from zoo import *
torch.set_num_threads(1)
Z = os.path.join(HERE, '..', 'mini8')
cfg = dict(width=64, patch=4, layers=3, heads=4, mlp=256, proj=64)
sd = read_safetensors(f'{folder}/model.safetensors')
moe = json.load(open(f'{folder}/moe.json'))
assert moe['kind'] == 'wemoe' and moe['parameters']['router_hidden_layers'] == 2
T = len(moe['experts'])
plain = {k: v for k, v in sd.items() if '.task_vectors.' not in k and '.gate.' not in k}
model = from_hf(plain, study.tower_from(cfg))

def moe_mlp(l, layer):
    p = f'vision_model.encoder.layers.{l}.mlp.'
    def mlp(h):  # h: layer_norm2 output [B, N, D]
        r = F.linear(F.relu(F.linear(h, sd[p + 'gate.fc1.weight'], sd[p + 'gate.fc1.bias'])), sd[p + 'gate.fc2.weight'],
                     sd[p + 'gate.fc2.bias'])            # [B, N, T], no softmax
        w = r.mean(1).mean(0)                             # tokens, then the batch (batch_reduce)
        merged = {}
        for n in ('fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias'):
            merged[n] = sd[p + n] + sum(w[i] * sd[f'{p}task_vectors.{i}.{n}'] for i in range(T))
        y = F.linear(h, merged['fc1.weight'], merged['fc1.bias'])
        y = y * torch.sigmoid(1.702 * y)
        return F.linear(y, merged['fc2.weight'], merged['fc2.bias'])
    return mlp

def layer_forward(s, x, mlp):
    B, N, Dm = x.shape
    y = s.layer_norm1(x); hd = Dm // s.h
    q = s.q_proj(y).view(B, N, s.h, hd).transpose(1, 2) * hd ** -0.5
    k = s.k_proj(y).view(B, N, s.h, hd).transpose(1, 2)
    v = s.v_proj(y).view(B, N, s.h, hd).transpose(1, 2)
    a = torch.softmax(q @ k.transpose(-1, -2), dim=-1) @ v
    x = x + s.out_proj(a.transpose(1, 2).reshape(B, N, Dm))
    return x + mlp(s.layer_norm2(x))

mlps = [moe_mlp(l, None) for l in range(cfg['layers'])]
@torch.no_grad()
def embed(x):
    p = model.patch_embedding(x).flatten(2).transpose(1, 2)
    h = torch.cat([model.class_embedding.expand(p.shape[0], 1, -1), p], 1) + model.position_embedding
    h = model.pre_layrnorm(h)
    for l, layer in enumerate(model.layers):
        h = layer_forward(layer, h, mlps[l])
    return F.normalize(model.visual_projection(model.post_layernorm(h[:, 0])), dim=-1)

for t in TASKS:
    head = read_safetensors(f'{Z}/heads/{t}.safetensors')
    X, Y = study.data(t, 'test')
    correct, batch_losses = 0, []
    for i in range(0, len(Y), 128):
        logits = embed(prep(X[i:i + 128])) @ head['weight'].t() * head['logit_scale'].exp()
        y = torch.from_numpy(Y[i:i + 128]).long()
        correct += (logits.argmax(1) == y).sum().item(); batch_losses.append(F.cross_entropy(logits, y).item())
    # FusionBench's task pool: the loss is torchmetrics' MeanMetric over the batches' mean losses
    print(f'{t} accuracy {correct / len(Y):.4f} loss {sum(batch_losses) / len(batch_losses):.6f}', flush=True)
