"""Imports the task models of a zoo folder written by `amalgam zoo build` as pool TAG of BASE (same θ0 and heads).

  import_zoo.py BASE TAG ZOO_DIR     -> runs/BASE/TAG/TASK.pt, then: study.py eval BASE TAG
"""
import sys
sys.path.insert(0, '/tmp/zoostudy')
import study
from study import *

base, tag, zoo = sys.argv[1:4]
ck = torch.load(f'{R}/{base}/theta0.pt')
th0 = from_hf(read_safetensors(f'{zoo}/pretrained/model.safetensors'), tower_from(ck['cfg'])).state_dict()
same = all(torch.equal(th0[k], ck['sd'][k]) for k in th0)
print('pretrained identical to the base θ0:', same, flush=True)
os.makedirs(f'{R}/{base}/{tag}', exist_ok=True)
for t in TASKS:
    m = from_hf(read_safetensors(f'{zoo}/{t}/model.safetensors'), tower_from(ck['cfg']))
    torch.save(dict(sd=m.state_dict(), ft_s=0), f'{R}/{base}/{tag}/{t}.pt')
