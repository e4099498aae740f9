"""diagnostic: train one cfg on seed 1, print train/test tau every 100 epochs"""
import sys, json; cfg = json.loads(sys.argv[1]); sys.argv = ['x']
import nac
from nac import *
E = cfg.get('epochs', 1000)
perm = torch.randperm(N, generator=torch.Generator().manual_seed(1)); tr = perm[:423]; te = perm[423:523]
orig_step = torch.optim.Optimizer.step
cnt = [0]; holder = {}
Orig = nac.TFNet if cfg.get('arch') == 'tf' else nac.Net
class Wrap(Orig):
    def __init__(s, c): super().__init__(c); holder['m'] = s
nac.TFNet = Wrap if cfg.get('arch') == 'tf' else nac.TFNet
nac.Net = Wrap if cfg.get('arch') != 'tf' else nac.Net
import time; t = time.time()
# train in chunks of epochs by monkeypatching: simpler -> just run with increasing epochs printing at end
for e in [int(x) for x in sys.argv_e] if False else [E]:
    pass
c = dict(cfg)
def cb():
    m = holder['m']
    with torch.no_grad():
        print('train tau %.3f test tau %.3f' % (taub(m.score(tr).numpy(), ACC[tr.numpy()]), taub(m.score(te).numpy(), ACC[te.numpy()])), '%.0fs' % (time.time() - t), flush=True)
nac.EPOCH_CB = cb
m = nac.train_one(c, tr, 1); cb()
