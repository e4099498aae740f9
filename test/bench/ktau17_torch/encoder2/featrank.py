"""Diagnostic: effective rank (exp entropy of normalised singular values) and mean |cos| of 256-d readout features
on 5000 random cells, for random init (seed 0) and each pretrained encoder."""
import os, torch, numpy as np
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1"); torch.set_num_threads(1)
import nac
idx = torch.randperm(nac.N, generator=torch.Generator().manual_seed(5))[:5000]
for pt in ['random', 'cl_me.pt', 'cl_sen.pt', 'cl_weak.pt', 'byol_me.pt']:
    torch.manual_seed(0); net = nac.Net({"readout": "meanreal+sink"})
    if pt != 'random':
        st = torch.load(pt)
        with torch.no_grad():
            net.emb.weight.copy_(st['emb'][:6])
            for l in range(4): net.W[l].copy_(st['W'][l]); net.b[l].copy_(st['b'][l])
    net.w.data = torch.eye(256); net.eval()
    with torch.no_grad(): f = net.score(idx)
    fc = f - f.mean(0); s = torch.linalg.svdvals(fc); p = s / s.sum(); er = float(torch.exp(-(p * p.clamp_min(1e-12).log()).sum()))
    fn = torch.nn.functional.normalize(f, dim=1); cos = float((fn[:1000] @ fn[:1000].t()).abs().mean())
    top = float((s[:5] ** 2).sum() / (s ** 2).sum())
    print(f"{pt:12s} eff.rank {er:6.1f}  top5 var share {top:.3f}  mean|cos| {cos:.3f}")
