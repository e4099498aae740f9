"""Diagnostic: frozen encoder (pretrained state dict, or 'random' = fresh nac.Net init of seed 0) + linear head only.
Features = nac.Net meanreal+sink both-direction readout (256-d), z-scored with train-set stats; head score = w.f trained with
the reference pairwise BCE (random partner), Adam lr 1e-3 betas (0.5,0.999) wd 5e-4, bs 256, 1000 epochs, SWA 500-999.
usage: python3 frozen.py NAME PT|random SEEDS   -> appends to results.jsonl"""
import os, sys, json, time, math
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np, torch, torch.nn.functional as F
torch.set_num_threads(1)
import nac
HERE = os.path.dirname(os.path.abspath(__file__))
name, pt, sd = sys.argv[1], sys.argv[2], sys.argv[3]
a, b = map(int, sd.split('-')) if '-' in sd else (int(sd), int(sd))
torch.manual_seed(0); net = nac.Net({"readout": "meanreal+sink"})
if pt != 'random':
    st = torch.load(os.path.join(HERE, pt))
    with torch.no_grad():
        net.emb.weight.copy_(st['emb'][:6])
        for l in range(4): net.W[l].copy_(st['W'][l]); net.b[l].copy_(st['b'][l])
net.w.data = torch.eye(256)   # score() then returns the features themselves
net.eval()
def feats(idx):
    with torch.no_grad(): return torch.cat([net.score(idx[i:i + 5000]) for i in range(0, len(idx), 5000)])
for seed in range(a, b + 1):
    perm = torch.randperm(nac.N, generator=torch.Generator().manual_seed(seed)); tr = perm[:423]; te = perm[423:523]
    trs = set(tr.tolist()); rest = torch.from_numpy(np.array([i for i in nac.REST_ORDER[:21000] if i not in trs][:20000]))
    t0 = time.time()
    ftr, fte, fre = feats(tr), feats(te), feats(rest)
    mu, sdv = ftr.mean(0), ftr.std(0).clamp_min(1e-6); ftr, fte, fre = [(x - mu) / sdv for x in (ftr, fte, fre)]
    torch.manual_seed(seed)
    w = torch.nn.Parameter(torch.empty(256).uniform_(-1 / 16, 1 / 16))
    opt = torch.optim.Adam([w], lr=1e-3, betas=(0.5, 0.999), weight_decay=5e-4)
    acc = torch.from_numpy(nac.ACC[tr.numpy()]).float(); swa = None; ns = 0
    for ep in range(1000):
        p = torch.randperm(423)
        for s in range(0, 423, 256):
            bi = p[s:s + 256]; sc = ftr[bi] @ w; q = torch.randperm(len(bi))
            loss = F.binary_cross_entropy_with_logits(sc - sc[q], (acc[bi] - acc[bi][q] > 0).float())
            opt.zero_grad(); loss.backward(); opt.step()
        if ep >= 500:
            swa = w.detach().clone() if swa is None else swa + w.detach(); ns += 1
    w_ = swa / ns
    kt = nac.taub((fte @ w_).numpy(), nac.ACC[te.numpy()]); kr = nac.taub((fre @ w_).numpy(), nac.ACC[rest.numpy()])
    r = dict(name=name, cfg={"frozen": pt}, seed=seed, ktau=round(kt, 4), taub20k=round(kr, 4), train_s=round(time.time() - t0, 1), nparam=256, macs=nac.macs({}))
    print(json.dumps(r), flush=True)
    with open(os.path.join(HERE, 'results.jsonl'), 'a') as f: f.write(json.dumps(r) + '\n')
