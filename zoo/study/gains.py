"""Normalized gains of a `amalgam bench quality` table beside CLIP ViT-B/32's (FusionBench's published TA8 averages),
and the Spearman rank correlation of the methods both have.

  python3 gains.py TABLE.md          (the Markdown table bench quality prints, extra rows appended are fine)
  python3 gains.py --full TABLE.md   the table itself with the two gain columns added (as in README)
"""
import re
import sys

# FusionBench's CLIP ViT-B/32 TA8 averages (%): pretrained 48.2, individual 90.3
CLIP = {'pretrained': 48.2, 'individual': 90.3, 'simple average': 66.5, 'simple ensemble': 75.8, 'Fisher merging': 70.6,
        'RegMean': 82.4, 'RegMean++': 84.4, 'task arithmetic': 68.0, 'Concrete TA': 77.6, 'TIES': 72.2,
        'task-wise AdaMerging': 68.7, 'layer-wise AdaMerging': 82.6, 'Concrete layer-wise AdaMerging': 84.4,
        'ISO-C': 82.8, 'ISO-CTS': 82.7, 'TSV-M': 83.06,
        'WEMoE': 89.2, 'SMILE': 86.19}


def key(label):
    """The CLIP row a mini8 row corresponds to: the same method at FusionBench's default (task arithmetic at 0.3 only)."""
    if label.startswith('task arithmetic'):
        return 'task arithmetic' if label.startswith('task arithmetic (λ = 0.3') else None
    for name in sorted(CLIP, key=len, reverse=True):
        if label == name or label.startswith(name + ' ('):
            return name
    return None


def ranks(values):
    order = sorted(range(len(values)), key=lambda i: values[i])
    r = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            r[order[k]] = (i + j) / 2 + 1
        i = j + 1
    return r


full = sys.argv[1] == '--full'
path = sys.argv[-1]
rows = {}
lines = open(path).read().splitlines()
for line in lines:
    cells = [c.strip() for c in line.strip().strip('|').split('|')]
    if len(cells) > 9 and cells[0] not in ('method', '---'):
        m = re.search(r'\*\*([\d.]+)\*\*', line)
        if m:
            rows[cells[0]] = float(m.group(1))
pre, ind = rows['pretrained'], rows['individual']
clip_gain = lambda a: (a - CLIP['pretrained']) / (CLIP['individual'] - CLIP['pretrained'])
if full:
    for line in lines:
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if cells[0] == 'method':
            print(line.rstrip() + ' g | g CLIP-B/32 |')
        elif set(cells[0]) <= set('-'):
            print(line.rstrip() + '---|---|')
        elif cells[0] in rows:
            k = key(cells[0])
            g = (rows[cells[0]] - pre) / (ind - pre)
            print(line.rstrip() + f' {g:.2f} | ' + (f'{clip_gain(CLIP[k]):.2f}' if k else '-') + ' |')
    sys.exit(0)
print('| method | average | g (mini8) | g (CLIP ViT-B/32) |')
print('|---|---|---|---|')
pairs = []
for label, acc in rows.items():
    if label in ('pretrained', 'individual'):
        continue
    g = (acc - pre) / (ind - pre)
    k = key(label)
    c = clip_gain(CLIP[k]) if k else None
    if k and k not in ('pretrained', 'individual'):
        pairs.append((label, g, c))
    print(f'| {label} | {acc:.1f} | {g:.2f} | ' + (f'{c:.2f}' if c is not None else '-') + ' |')
a = ranks([p[1] for p in pairs])
b = ranks([p[2] for p in pairs])
n = len(pairs)
ma, mb = sum(a) / n, sum(b) / n
cov = sum((x - ma) * (y - mb) for x, y in zip(a, b))
rho = cov / (sum((x - ma) ** 2 for x in a) * sum((y - mb) ** 2 for y in b)) ** 0.5
print(f'\nSpearman rank correlation over the {n} methods with a CLIP ViT-B/32 number: {rho:.2f}')
