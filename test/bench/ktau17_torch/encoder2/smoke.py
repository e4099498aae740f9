import sys, time; sys.argv = ['x']
from nac import *
for c in [{}, {'readout':'sink'}, {'readout':'meanreal+sink','swa':True}, {'agg':'gin'}, {'arch':'tf'}, {'arch':'tf','mask':'spd'}, {'arch':'tf','mask':'reach2+spd','height':True,'readout':'meanreal+out'}, {'arch':'tf','mask':'adj2','opt':'adamw'}, {'arch':'tf','dim':128,'layers':2}]:
    torch.manual_seed(0); m = TFNet(c) if c.get('arch') == 'tf' else Net(c)
    idx = torch.arange(256); t = time.time()
    for _ in range(5):
        s = m.score(idx); s.sum().backward()
    print(c, s[:3].detach().numpy(), 'fb x5 %.2fs' % (time.time() - t), 'macs', macs(c), sum(p.numel() for p in m.parameters()))
