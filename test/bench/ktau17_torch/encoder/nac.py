"""NAC prototype variants on NB101 (CTNAS protocol). One thread.
usage: python3 nac.py NAME 'JSON-cfg' SEEDS(e.g. 1-10)   -> appends to results.jsonl"""
import os, sys, json, time, math
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1)
D = np.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'nb101.npz'))
FT = np.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'feats.npz'))
N = len(D['nv'])
ADJ_IN = torch.from_numpy(D['adj'].astype(np.float32)).transpose(1, 2).contiguous()  # adj_in[i][j]=1 iff j->i
OPS = torch.from_numpy(D['ops'].astype(np.int64))
NV = torch.from_numpy(D['nv'].astype(np.int64))
ACC = D['acc']
NODEF = torch.from_numpy(FT['nodef']) / torch.tensor([5., 5., 3., 3., 1., 1.])  # fixed scaling
CELLF = torch.from_numpy(FT['cellf'])
REST_ORDER = np.random.RandomState(12345).permutation(N)

def taub(x, y):
    """Knight's O(n log n) tau-b."""
    x = np.asarray(x, np.float64); y = np.asarray(y, np.float64); n = len(x)
    o = np.lexsort((y, x)); x = x[o]; y = y[o]
    def tiep(v):
        _, c = np.unique(v, return_counts=True); return float((c * (c - 1) // 2).sum())
    n1 = tiep(x); n2 = tiep(y); n3 = tiep(x + 1j * y) if False else tiep(np.round(x, 12) * 0 + np.unique(np.stack([x, y], 1), axis=0, return_inverse=True)[1])
    swaps = 0; prev = np.empty(0); B = 1000
    for a in range(0, n, B):
        blk = y[a:a+B]
        swaps += float((len(prev) - np.searchsorted(prev, blk, side='right')).sum())
        swaps += float(np.triu(blk[:, None] > blk[None, :], 1).sum())
        prev = np.sort(np.concatenate([prev, blk]))
    n0 = n * (n - 1) / 2.0
    S = n0 - n1 - n2 + n3 - 2 * swaps
    return S / math.sqrt((n0 - n1) * (n0 - n2))

class Net(nn.Module):
    def __init__(s, c):
        super().__init__()
        dim = s.dim = c.get('dim', 128); L = c.get('layers', 4); s.c = c
        s.emb = nn.Embedding(6, dim)  # N(0,1)
        s.W = nn.ParameterList(); s.b = nn.ParameterList()
        bd = 1 / math.sqrt(dim)
        for _ in range(L):
            s.W.append(nn.Parameter(torch.empty(dim, dim).uniform_(-bd, bd)))
            s.b.append(nn.Parameter(torch.empty(dim).uniform_(-bd, bd)))
        if c.get('agg') == 'gin':
            s.W2 = nn.ParameterList([nn.Parameter(torch.empty(dim, dim).uniform_(-bd, bd)) for _ in range(L)])
        ro = c.get('readout', 'mean7'); fdim = 2 * dim if ro == 'mean+out' else dim
        s.w = nn.Parameter(torch.empty(fdim).uniform_(-1 / math.sqrt(2 * dim), 1 / math.sqrt(2 * dim)))
        if c.get('nodefeat'):
            s.nf = nn.Linear(len(c['nodefeat']), dim)
        if c.get('cellfeat'):
            k = len(c['cellfeat'])
            if c.get('cellmlp'):
                s.cm = nn.Sequential(nn.Linear(k, c['cellmlp']), nn.ReLU(), nn.Linear(c['cellmlp'], 1))
            else:
                s.u = nn.Parameter(torch.empty(k).uniform_(-1 / math.sqrt(2 * dim), 1 / math.sqrt(2 * dim)))
        s.fmu = None

    def set_cell_stats(s, idx):
        if s.c.get('cellfeat'):
            g = CELLF[idx][:, s.c['cellfeat']]; s.fmu = g.mean(0); s.fsd = g.std(0).clamp_min(1e-3)

    def encode(s, A, ops, idx):
        c = s.c; h0 = s.emb(ops)
        if c.get('nodefeat'):
            h0 = h0 + s.nf(NODEF[idx][:, :, c['nodefeat']])
        if c.get('adjnorm'):
            deg = (A.sum(2, keepdim=True) + 1)
            A = A / deg
        AI = A + torch.eye(7)
        h = h0
        for l in range(len(s.W)):
            if c.get('agg') == 'gin':
                h = F.relu(torch.bmm(AI, h) @ s.W[l] + s.b[l]) @ s.W2[l] + h
                h = F.relu(h)
            else:
                h = F.relu(torch.bmm(AI, h @ s.W[l]) + h + s.b[l])
        ro = c.get('readout', 'mean7'); B = h.shape[0]
        real = (torch.arange(7)[None] < NV[idx][:, None]).float()
        outh = h[torch.arange(B), NV[idx] - 1]
        if ro == 'mean7': return h.mean(1)
        if ro == 'sum': return h.sum(1)
        if ro == 'meanreal': return (h * real[..., None]).sum(1) / real.sum(1, keepdim=True)
        if ro == 'out': return outh
        if ro == 'mean+out': return torch.cat([h.mean(1), outh], 1)

    def score(s, idx):
        A = ADJ_IN[idx]; ops = OPS[idx]
        if s.c.get('both', True):
            B = len(idx)
            f = s.encode(torch.cat([A, A.transpose(1, 2)]), torch.cat([ops, ops]), torch.cat([idx, idx]))
            f = (f[:B] + f[B:]) / 2
        else:
            f = s.encode(A, ops, idx)
        sc = f @ s.w
        if s.c.get('cellfeat'):
            g = (CELLF[idx][:, s.c['cellfeat']] - s.fmu) / s.fsd * s.c.get('cfscale', 1.0)
            sc = sc + (s.cm(g).squeeze(1) if s.c.get('cellmlp') else g @ s.u)
        return sc

def train_one(c, tr, seed):
    torch.manual_seed(seed)
    m = Net(c); m.set_cell_stats(tr)
    opt = torch.optim.Adam(m.parameters(), lr=c.get('lr', 2e-4), betas=(0.5, 0.999), weight_decay=c.get('wd', 5e-4))
    acc = torch.from_numpy(ACC[tr.numpy()]).float(); n = len(tr); bs = c.get('bs', 256)
    loss_t = c.get('loss', 'bce')
    for ep in range(c.get('epochs', 1000)):
        p = torch.randperm(n)
        for a in range(0, n, bs):
            bi = p[a:a+bs]; s = m.score(tr[bi]); ab = acc[bi]; k = len(bi)
            if loss_t == 'allpairs':
                d = s[:, None] - s[None]; t = (ab[:, None] > ab[None]).float()
                msk = (ab[:, None] != ab[None]).float()
                loss = (F.binary_cross_entropy_with_logits(d, t, reduction='none') * msk).sum() / msk.sum()
            else:
                q = torch.randperm(k); d = s - s[q]; da = ab - ab[q]
                if c.get('sympair'):  # add reversed pairs
                    d = torch.cat([d, -d]); da = torch.cat([da, -da])
                if loss_t == 'bce':
                    t = (da > 0).float(); loss = F.binary_cross_entropy_with_logits(d, t)
                elif loss_t == 'soft':
                    t = torch.sigmoid(da / c.get('T', 0.002)); loss = F.binary_cross_entropy_with_logits(d, t)
                elif loss_t == 'tieign':
                    t = (da > 0).float(); w = (da.abs() >= c.get('thr', 0.002)).float()
                    loss = (F.binary_cross_entropy_with_logits(d, t, reduction='none') * w).sum() / w.sum().clamp_min(1)
                elif loss_t == 'hinge':
                    sg = torch.sign(da); loss = F.relu(c.get('margin', 1.0) - sg * d)[sg != 0].mean()
            opt.zero_grad(); loss.backward(); opt.step()
    return m

def run(name, c, seed):
    perm = torch.randperm(N, generator=torch.Generator().manual_seed(seed))
    tr = perm[:423]; te = perm[423:523]
    trs = set(tr.tolist()); rest = torch.from_numpy(np.array([i for i in REST_ORDER[:21000] if i not in trs][:20000]))
    t0 = time.time(); K = c.get('ens', 1); st, sr = 0, 0
    for k in range(K):
        m = train_one(c, tr, seed * 1000 + k if K > 1 else seed)
        with torch.no_grad():
            sc_tr = m.score(tr); sd = sc_tr.std()
            st = st + m.score(te) / sd; sr = sr + torch.cat([m.score(rest[i:i+5000]) for i in range(0, 20000, 5000)]) / sd
    ts = time.time() - t0
    kt = taub(st.numpy(), ACC[te.numpy()]); kr = taub(sr.numpy(), ACC[rest.numpy()])
    nparam = sum(p.numel() for p in m.parameters())
    r = dict(name=name, cfg=c, seed=seed, ktau=round(kt, 4), taub20k=round(kr, 4), train_s=round(ts, 1), nparam=nparam)
    print(json.dumps(r), flush=True)
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results.jsonl'), 'a') as f: f.write(json.dumps(r) + '\n')

if __name__ == '__main__':
    name, cfg, sd = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    a, b = map(int, sd.split('-')) if '-' in sd else (int(sd), int(sd))
    for s in range(a, b + 1): run(name, cfg, s)
