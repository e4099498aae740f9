"""NAC prototype variants on NB101 (CTNAS protocol). One thread.
usage: python3 nac.py NAME 'JSON-cfg' SEEDS(e.g. 1-10)   -> appends to results.jsonl (beside it, or $RESULTS)"""
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
ST = np.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'struct.npz'))
REACH = torch.from_numpy(ST['reach'].astype(np.bool_))          # reach[i,j]: path i->j
SPD = torch.from_numpy(ST['spd'].astype(np.int64))               # shortest path i->j, 0 diag, 99 none
DEPTH = torch.from_numpy(FT['nodef'][:, :, 0].round().astype(np.int64))   # longest path from input
HEIGHT = torch.from_numpy(FT['nodef'][:, :, 1].round().astype(np.int64))  # longest path to output

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
        agg = c.get('agg')
        if agg == 'gated':   # residual gated graph convnet: per layer one dim x 4dim matrix [A|B|U|V] + bias
            s.G = nn.ParameterList([nn.Parameter(torch.empty(dim, 4 * dim).uniform_(-bd, bd)) for _ in range(L)])
            s.Gb = nn.ParameterList([nn.Parameter(torch.empty(4 * dim).uniform_(-bd, bd)) for _ in range(L)])
            if c.get('gnorm') == 'ln':
                s.lns = nn.ModuleList([nn.LayerNorm(dim) for _ in range(L)])
        elif agg == 'ggnn':  # GGNN: m = A (h Wm); h = GRUCell(m, h); tied across layers unless tie=false
            nl = 1 if c.get('tie', True) else L
            s.Wm = nn.ParameterList([nn.Parameter(torch.empty(dim, dim).uniform_(-bd, bd)) for _ in range(nl)])
            s.gru = nn.ModuleList([nn.GRUCell(dim, dim) for _ in range(nl)])
            s.nlayers = L
        for _ in range(L if agg not in ('gated', 'ggnn') else 0):
            s.W.append(nn.Parameter(torch.empty(dim, dim).uniform_(-bd, bd)))
            s.b.append(nn.Parameter(torch.empty(dim).uniform_(-bd, bd)))
        if c.get('agg') == 'gin':
            s.W2 = nn.ParameterList([nn.Parameter(torch.empty(dim, dim).uniform_(-bd, bd)) for _ in range(L)])
        ro = c.get('readout', 'mean7'); fdim = 2 * dim if ro in ('mean+out', 'meanreal+sink', 'mean7+sink') else 3 * dim if ro == 'meanreal+sink+max' else dim
        if c.get('ln'):
            s.lns = nn.ModuleList([nn.LayerNorm(dim) for _ in range(L)])
        if c.get('mlphead'):
            s.mh = nn.Sequential(nn.Linear(fdim, c['mlphead']), nn.ReLU(), nn.Linear(c['mlphead'], 1, bias=False))
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

    def encode(s, A, ops, idx, rev=None):
        c = s.c; h0 = s.emb(ops)
        if c.get('nodefeat'):
            h0 = h0 + s.nf(NODEF[idx][:, :, c['nodefeat']])
        if c.get('adjnorm'):
            deg = (A.sum(2, keepdim=True) + 1)
            A = A / deg
        AI = A + torch.eye(7)
        h = h0
        if c.get('agg') == 'gated':
            for l in range(len(s.G)):
                Ah, Bh, Uh, Vh = (h @ s.G[l] + s.Gb[l]).chunk(4, -1)
                # sparse over real edges j->i (A[b,i,j]=1): eta_ij = sigmoid(A h_i + B h_j), msg_i = sum_j eta_ij * V h_j
                if l == 0:
                    eb, ei, ej = A.nonzero(as_tuple=True); ri = eb * 7 + ei; rj = eb * 7 + ej; nb = A.shape[0] * 7
                d_ = h.shape[-1]
                eta = torch.sigmoid(Ah.reshape(nb, d_)[ri] + Bh.reshape(nb, d_)[rj])
                msg = torch.zeros(nb, d_).index_add(0, ri, eta * Vh.reshape(nb, d_)[rj])
                if c.get('gatenorm'): msg = msg / (torch.zeros(nb, d_).index_add(0, ri, eta) + 1e-6)
                msg = msg.view(A.shape[0], 7, d_)
                u = Uh + msg
                if c.get('gnorm') == 'ln': u = s.lns[l](u)
                h = h + F.relu(u)
        elif c.get('agg') == 'ggnn':
            B_, n_, d_ = h.shape
            for l in range(s.nlayers):
                k = 0 if len(s.gru) == 1 else l
                m = torch.bmm(A, h @ s.Wm[k])
                h = s.gru[k](m.reshape(-1, d_), h.reshape(-1, d_)).view(B_, n_, d_)
        for l in range(len(s.W)):
            if c.get('agg') == 'gin':
                h = F.relu(torch.bmm(AI, h) @ s.W[l] + s.b[l]) @ s.W2[l] + h
                h = F.relu(h)
            else:
                h = F.relu(torch.bmm(AI, h @ s.W[l]) + h + s.b[l])
                if c.get('ln'): h = s.lns[l](h)
            if c.get('dropout') and s.training:   # dropout on node states after every layer (training only)
                h = F.dropout(h, c['dropout'], True)
        ro = c.get('readout', 'mean7'); B = h.shape[0]
        real = (torch.arange(7)[None] < NV[idx][:, None]).float()
        outh = h[torch.arange(B), NV[idx] - 1]
        if ro == 'mean7': return h.mean(1)
        if ro == 'sum': return h.sum(1)
        if ro == 'meanreal': return (h * real[..., None]).sum(1) / real.sum(1, keepdim=True)
        if ro == 'out': return outh
        if ro == 'mean+out': return torch.cat([h.mean(1), outh], 1)
        # sink: forward pass -> output node (index nv-1), reversed pass -> input node (index 0) (the sink of the reversed DAG)
        sink = torch.where(rev[:, None], h[:, 0], outh) if rev is not None else outh
        mr = (h * real[..., None]).sum(1) / real.sum(1, keepdim=True)
        if ro == 'sink': return sink
        if ro == 'meanreal+sink': return torch.cat([mr, sink], 1)
        if ro == 'meanreal+sink+max': return torch.cat([mr, sink, (h - 1e9 * (1 - real[..., None])).max(1).values], 1)
        if ro == 'mean7+sink': return torch.cat([h.mean(1), sink], 1)
        if ro == 'avg(meanreal,sink)': return (mr + sink) / 2

    def score(s, idx):
        A = ADJ_IN[idx]; ops = OPS[idx]
        if s.c.get('dropedge') and s.training:   # DropEdge: same edges dropped in both directions, training only
            A = A * (torch.rand(A.shape) >= s.c['dropedge']).float()
        if s.c.get('both', True):
            B = len(idx)
            rev = torch.cat([torch.zeros(B, dtype=torch.bool), torch.ones(B, dtype=torch.bool)])
            f = s.encode(torch.cat([A, A.transpose(1, 2)]), torch.cat([ops, ops]), torch.cat([idx, idx]), rev)
            f = (f[:B] + f[B:]) / 2
        else:
            f = s.encode(A, ops, idx)
        sc = s.mh(f).squeeze(1) if s.c.get('mlphead') else f @ s.w
        if s.c.get('cellfeat'):
            g = (CELLF[idx][:, s.c['cellfeat']] - s.fmu) / s.fsd * s.c.get('cfscale', 1.0)
            sc = sc + (s.cm(g).squeeze(1) if s.c.get('cellmlp') else g @ s.u)
        return sc


class TFNet(nn.Module):
    """Pre-norm transformer over the 7 node slots (single pass; direction is carried by the attention masks/bias).
    h0 = E_op[op] + E_depth[longest path from input] (+ E_height[longest path to output] if 'height').
    Layer: h += MHA(LN(h)) with per-head mask/bias; h += W2 relu(W1 LN(h)). Final LN, readout, score = w.f."""
    def __init__(s, c):
        super().__init__()
        d = s.dim = c.get('dim', 64); L = c.get('layers', 4); H = s.H = c.get('heads', 4); fd = c.get('ffn', 2 * d); s.c = c
        s.emb = nn.Embedding(6, d); s.demb = nn.Embedding(7, d)
        if c.get('height'): s.hemb = nn.Embedding(7, d)
        if c.get('embscale'):
            for e in [s.emb, s.demb] + ([s.hemb] if c.get('height') else []): nn.init.normal_(e.weight, 0, c['embscale'])
        s.ln1 = nn.ModuleList([nn.LayerNorm(d) for _ in range(L)]); s.ln2 = nn.ModuleList([nn.LayerNorm(d) for _ in range(L)])
        s.qkv = nn.ModuleList([nn.Linear(d, 3 * d) for _ in range(L)]); s.o = nn.ModuleList([nn.Linear(d, d) for _ in range(L)])
        s.f1 = nn.ModuleList([nn.Linear(d, fd) for _ in range(L)]); s.f2 = nn.ModuleList([nn.Linear(fd, d) for _ in range(L)])
        s.lnf = nn.LayerNorm(d)
        if 'spd' in c.get('mask', 'reach2'):
            s.bias = nn.Parameter(torch.zeros(L if c.get('biasperlayer') else 1, H, 15))
        ro = c.get('readout', 'meanreal'); fdim = 2 * d if ro == 'meanreal+out' else d
        s.w = nn.Parameter(torch.empty(fdim).uniform_(-1 / math.sqrt(2 * d), 1 / math.sqrt(2 * d)))
        s.fmu = None
    def set_cell_stats(s, idx): pass
    def score(s, idx):
        c = s.c; B = len(idx); H = s.H; d = s.dim; dh = d // H
        ops = OPS[idx]; nv = NV[idx]; real = torch.arange(7)[None] < nv[:, None]
        h = s.emb(ops) + s.demb(DEPTH[idx])
        if c.get('height'): h = h + s.hemb(HEIGHT[idx])
        R = REACH[idx]; eye = torch.eye(7, dtype=torch.bool)[None]
        A = ADJ_IN[idx].transpose(1, 2) > 0   # A[i,j]: edge i->j
        mode = c.get('mask', 'reach2')
        if mode.startswith('reach2'):
            down = R.transpose(1, 2) | eye   # attend to ancestors (j->...->i) + self
            up = R | eye                     # attend to descendants + self
        elif mode.startswith('adj2'):
            down = A.transpose(1, 2) | eye; up = A | eye
        else:  # full attention among real nodes (+ self)
            down = up = (real[:, None, :] & real[:, :, None]) | eye
        m = torch.stack([down] * (H // 2) + [up] * (H - H // 2), 1)   # B,H,7,7  True = allowed
        neg = torch.zeros(m.shape).masked_fill(~m, -1e9)
        if 'spd' in mode:
            spd = SPD[idx]; spdT = spd.transpose(1, 2)
            cls = torch.full((B, 7, 7), 13, dtype=torch.long)
            cls = torch.where(spd < 99, spd.clamp(max=6), cls)           # 0 self, 1..6 descendant at dist k
            cls = torch.where((spdT < 99) & (spdT > 0), 6 + spdT.clamp(max=6), cls)  # 7..12 ancestor at dist k
            cls = torch.where(~(real[:, None, :] & real[:, :, None]), torch.full_like(cls, 14), cls)
            cls = torch.where(eye, torch.zeros_like(cls), cls)
        for l in range(len(s.qkv)):
            x = s.ln1[l](h)
            q, k, v = s.qkv[l](x).view(B, 7, 3, H, dh).permute(2, 0, 3, 1, 4)
            att = (q[:, :, :, None, :] * k[:, :, None, :, :]).sum(-1) / math.sqrt(dh) + neg  # tiny matrices: broadcast beats bmm
            if 'spd' in mode:
                bl = s.bias[l if c.get('biasperlayer') else 0]          # H,15
                att = att + bl[:, cls].permute(1, 0, 2, 3)
            y = (att.softmax(-1)[..., None] * v[:, :, None, :, :]).sum(-2).transpose(1, 2).reshape(B, 7, d)
            h = h + s.o[l](y)
            h = h + s.f2[l](F.relu(s.f1[l](s.ln2[l](h))))
        h = s.lnf(h)
        rf = real.float()
        mr = (h * rf[..., None]).sum(1) / rf.sum(1, keepdim=True)
        ro = c.get('readout', 'meanreal')
        if ro == 'meanreal': f = mr
        elif ro == 'out': f = h[torch.arange(B), nv - 1]
        elif ro == 'meanreal+out': f = torch.cat([mr, h[torch.arange(B), nv - 1]], 1)
        return f @ s.w

def macs(c):
    """multiply-adds per cell (dense layers + attention; ignores elementwise ops)."""
    if c.get('arch') == 'tf':
        d = c.get('dim', 64); L = c.get('layers', 4); fd = c.get('ffn', 2 * d)
        return 7 * L * (4 * d * d + 2 * d * fd + 2 * 7 * d) + 2 * d
    d = c.get('dim', 128); L = c.get('layers', 4); dirs = 2 if c.get('both', True) else 1
    # per node per layer: dense d x d products + 7d for the neighbour sum (gated: gate*message product per edge slot)
    per = d * d * {'gin': 2, 'gated': 4, 'ggnn': 7}.get(c.get('agg'), 1) + 7 * d
    return dirs * 7 * L * per + 2 * d

EPOCH_CB = None
def train_one(c, tr, seed):
    torch.manual_seed(seed)
    m = TFNet(c) if c.get('arch') == 'tf' else Net(c); m.set_cell_stats(tr)
    if c.get('init'):   # encoder (emb rows 0..5, W, b) from a pretrained state dict; head w stays fresh
        sd = torch.load(os.path.join(os.path.dirname(os.path.abspath(__file__)), c['init']))
        with torch.no_grad():
            m.emb.weight.copy_(sd['emb'][:6])
            for l in range(len(m.W)): m.W[l].copy_(sd['W'][l]); m.b[l].copy_(sd['b'][l])
    enc_p = [p for n_, p in m.named_parameters() if n_ != 'w']; head_p = [m.w]
    lr0 = c.get('lr', 2e-4)
    groups = [dict(params=head_p, lr=lr0), dict(params=enc_p, lr=lr0 * c.get('enc_lr', 1.0))] if c.get('enc_lr') is not None else m.parameters()
    if c.get('opt') == 'adamw':
        opt = torch.optim.AdamW(m.parameters(), lr=c.get('lr', 1e-3), betas=tuple(c.get('betas', (0.9, 0.999))), weight_decay=c.get('wd', 0.01))
    else:
        opt = torch.optim.Adam(groups, lr=c.get('lr', 2e-4), betas=tuple(c.get('betas', (0.5, 0.999))), weight_decay=c.get('wd', 5e-4))
    E = c.get('epochs', 1000); swa = None; nswa = 0
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda st: min(1.0, (st + 1) / c['warmup'])) if c.get('warmup') else None
    acc = torch.from_numpy(ACC[tr.numpy()]).float(); n = len(tr); bs = c.get('bs', 256)
    loss_t = c.get('loss', 'bce')
    for ep in range(E):
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
            opt.zero_grad(); loss.backward()
            if c.get('sam'):   # sharpness-aware minimisation: the gradient at w + rho g / |g|
                ps = [p_ for p_ in m.parameters() if p_.grad is not None]
                gn = torch.sqrt(sum((p_.grad ** 2).sum() for p_ in ps)) + 1e-12
                with torch.no_grad():
                    eps = [c['sam'] * p_.grad / gn for p_ in ps]
                    for p_, e_ in zip(ps, eps): p_.add_(e_)
                opt.zero_grad()
                s2 = m.score(tr[bi]); d2 = s2 - s2[q]
                F.binary_cross_entropy_with_logits(d2, (da > 0).float()).backward()
                with torch.no_grad():
                    for p_, e_ in zip(ps, eps): p_.sub_(e_)
            opt.step()
            if sched: sched.step()
        if EPOCH_CB and (ep + 1) % 100 == 0: EPOCH_CB()
        if c.get('swa') and ep >= E // 2:   # SWA: mean of end-of-epoch weights of epochs E/2..E-1
            with torch.no_grad():
                if swa is None: swa = [p.detach().clone() for p in m.parameters()]
                else:
                    for a_, p in zip(swa, m.parameters()): a_.add_(p.detach())
                nswa += 1
    if swa is not None:
        with torch.no_grad():
            for a_, p in zip(swa, m.parameters()): p.copy_(a_ / nswa)
    m.eval()
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
    r = dict(name=name, cfg=c, seed=seed, ktau=round(kt, 4), taub20k=round(kr, 4), train_s=round(ts, 1), nparam=nparam, macs=macs(c))
    print(json.dumps(r), flush=True)
    out = os.environ.get('RESULTS') or os.path.join(os.path.dirname(os.path.abspath(__file__)), 'results.jsonl')
    with open(out, 'a') as f: f.write(json.dumps(r) + '\n')

if __name__ == '__main__':
    name, cfg, sd = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    a, b = map(int, sd.split('-')) if '-' in sd else (int(sd), int(sd))
    for s in range(a, b + 1): run(name, cfg, s)
