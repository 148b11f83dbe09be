"""What the mixtures could reach on the built-in zoo if every image were routed to its own task's expert.

    python3 ceilings.py OUT_DIR [LAMBDA]      (numpy only; runs ../../amalgam for the evaluations)

For each task t it writes plain models that a perfectly routed mixture would run on t's images and evaluates
them on t's test split with `amalgam run method=dummy taskpool=mini8`:
  wemoe     task t's MLP blocks (fc1, fc2), task arithmetic (LAMBDA, default 0.3 = init_lambda) elsewhere:
            WEMoE, sparse WEMoE (unpruned) and RankOne-MoE (full rank) with one-hot routing weights
  smile     task t's encoder linears (q, k, v, out_proj, fc1, fc2), theta0 elsewhere: SMILE at full rank, top-1
            routing to expert t for every token
  smileavg  as smile, with the task models' mean elsewhere (average_experts=true)
  linta     task t's encoder linears, task arithmetic elsewhere
"""
import json, os, shutil, struct, subprocess, sys
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
ZOO = os.path.join(ROOT, 'zoo', 'mini8')
TASKS = ['mnist', 'fashion_mnist', 'shapes', 'textures', 'counting', 'orientation', 'position', 'symmetry']
LINEARS = ('q_proj', 'k_proj', 'v_proj', 'out_proj', 'fc1', 'fc2')


def load(name):
    raw = open(os.path.join(ZOO, name, 'model.safetensors'), 'rb').read()
    n = struct.unpack('<Q', raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    tensors = {}
    for key, spec in header.items():
        if key == '__metadata__':
            continue
        assert spec['dtype'] == 'F32', key
        start, end = spec['data_offsets']
        tensors[key] = np.frombuffer(raw[8 + n + start:8 + n + end], dtype='<f4').reshape(spec['shape'])
    return tensors


def save(tensors, folder, config_from):
    os.makedirs(folder, exist_ok=True)
    shutil.copy(os.path.join(ZOO, config_from, 'config.json'), folder)
    header, offset, blobs = {}, 0, []
    for key in sorted(tensors):
        data = np.ascontiguousarray(tensors[key], dtype='<f4').tobytes()
        header[key] = {'dtype': 'F32', 'shape': list(tensors[key].shape), 'data_offsets': [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(',', ':')).encode()
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(os.path.join(folder, 'model.safetensors'), 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(blobs))


def accuracy(folder, task, work):
    pool = os.path.join(work, 'pool.yaml')
    with open(pool, 'w') as f:
        f.write('models:\n  _pretrained_: %s\n' % folder)
    out = subprocess.run([os.path.join(ROOT, 'amalgam'), 'run', 'method=dummy', 'modelpool=' + pool, 'taskpool=mini8',
                          '--no-record'], capture_output=True, text=True, check=True).stdout
    return json.loads(out[out.index('{'):])[task]['accuracy']


def main():
    work = os.path.abspath(sys.argv[1])
    lam = float(sys.argv[2]) if len(sys.argv) > 2 else 0.3
    theta0 = load('pretrained')
    models = {t: load(t) for t in TASKS}
    ta = {k: theta0[k] + lam * sum(models[t][k] - theta0[k] for t in TASKS) for k in theta0}
    mean = {k: sum(models[t][k] for t in TASKS) / len(TASKS) for k in theta0}
    is_mlp = lambda k: '.mlp.' in k
    is_linear = lambda k: any(p in k for p in LINEARS)
    kinds = {
        'wemoe': lambda m, k: m[k] if is_mlp(k) else ta[k],
        'smile': lambda m, k: m[k] if is_linear(k) else theta0[k],
        'smileavg': lambda m, k: m[k] if is_linear(k) else mean[k],
        'linta': lambda m, k: m[k] if is_linear(k) else ta[k],
    }
    print('%-9s' % 'ceiling' + ''.join(' %6.6s' % t for t in TASKS) + '  average')
    for kind, pick in kinds.items():
        row = []
        for t in TASKS:
            folder = os.path.join(work, kind + '_' + t)
            save({k: pick(models[t], k) for k in theta0}, folder, t)
            row.append(100 * accuracy(folder, t, work))
        print('%-9s' % kind + ''.join(' %6.1f' % a for a in row) + '  %.2f' % (sum(row) / len(row)))


if __name__ == '__main__':
    main()
