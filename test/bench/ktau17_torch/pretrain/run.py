"""python3 run.py NAME SEEDS [json-kwargs for finetune; special keys: init=path.pt, extra=path.pt]"""
import sys, json, torch
from common import *
name = sys.argv[1]; a, b = map(int, sys.argv[2].split('-'))
kw = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
if 'init' in kw: kw['init'] = torch.load(kw['init'])
if 'extra' in kw:
    class Lazy:
        def __init__(self, path):
            self.e = Encoder(7); self.e.load_state_dict(torch.load(path)); self.e.eval(); self.shape = (N, D)
            self.mu = None
        def __getitem__(self, idx):
            dd = data()
            return batched_feats(self.e, dd['adj'][idx], dd['ops'][idx])
    kw['extra'] = Lazy(kw['extra'])
if 'head_init' in kw: kw['head_init'] = torch.load(kw['head_init'])
for s in range(a, b + 1):
    r = finetune(s, **kw); r['variant'] = name; r['args'] = sys.argv[3] if len(sys.argv) > 3 else ''
    print(json.dumps(r), flush=True)
    with open(os.path.join(HERE, 'results.jsonl'), 'a') as f: f.write(json.dumps(r) + '\n')
