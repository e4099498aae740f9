import os, sys, time; sys.argv = ['x']
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'encoder2'))
from nac import *
R = {"readout": "meanreal+sink", "swa": True}
for c in [R, dict(R, agg='gated'), dict(R, agg='gated', gatenorm=True), dict(R, agg='ggnn'), dict(R, agg='ggnn', tie=False)]:
    torch.manual_seed(0); m = Net(c)
    idx = torch.arange(256); t = time.time()
    for _ in range(5):
        s = m.score(idx); s.sum().backward()
    print(c, s[:3].detach().numpy(), 'fb x5 %.2fs' % (time.time() - t), 'macs', macs(c), 'rel %.2f' % (macs(c) / macs(R)), 'nparam', sum(p.numel() for p in m.parameters()))
