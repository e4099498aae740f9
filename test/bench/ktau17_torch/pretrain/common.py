import os, math, time, json
os.environ.setdefault('OPENBLAS_NUM_THREADS', '1')
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1)
HERE = os.path.dirname(os.path.abspath(__file__))
N = 423624; D = 128; L = 4

_data = None
def data():
    global _data
    if _data is None:
        z = np.load(os.path.join(HERE, 'nb101.npz'))
        _data = dict(adj=torch.from_numpy(z['adj'].astype(np.float32)), ops=torch.from_numpy(z['ops'].astype(np.int64)),
                     acc=torch.from_numpy(z['acc']), params=torch.from_numpy(z['params']), nv=torch.from_numpy(z['nv'].astype(np.int64)))
    return _data

def split(seed, ntrain=423, ntest=100):
    perm = torch.randperm(N, generator=torch.Generator().manual_seed(seed))
    return perm[:ntrain], perm[ntrain:ntrain + ntest]

_rest = None
def rest20k(train):
    global _rest
    if _rest is None:
        _rest = torch.randperm(N, generator=torch.Generator().manual_seed(777))[:21000]
    m = ~torch.isin(_rest, train)
    return _rest[m][:20000]

def taub(x, y):
    """tau-b (numpy, chunked O(n^2))."""
    x = np.asarray(x, np.float64); y = np.asarray(y, np.float64); n = len(x)
    S = 0.0; tx = 0.0; ty = 0.0; npairs = n * (n - 1) / 2
    ch = max(1, 4_000_000 // n)
    for s in range(0, n, ch):
        dx = np.sign(x[s:s + ch, None] - x[None, :]); dy = np.sign(y[s:s + ch, None] - y[None, :])
        S += (dx * dy).sum(); tx += (dx == 0).sum(); ty += (dy == 0).sum()
    S /= 2; tx = (tx - n) / 2; ty = (ty - n) / 2
    return S / math.sqrt((npairs - tx) * (npairs - ty))

class Encoder(nn.Module):
    def __init__(self, nemb=6):
        super().__init__()
        self.embedding = nn.Embedding(nemb, D)
        self.W = nn.ParameterList(); self.b = nn.ParameterList()
        bound = 1 / math.sqrt(D)
        for _ in range(L):
            w = nn.Parameter(torch.empty(D, D)); b = nn.Parameter(torch.empty(D))
            nn.init.uniform_(w, -bound, bound); nn.init.uniform_(b, -bound, bound)
            self.W.append(w); self.b.append(b)
        self.register_buffer('eye', torch.eye(7))

    def nodes(self, adj, ops):
        """adj [B,7,7] (adj_in), ops [B,7] -> node states of A and A^T passes: [B,7,D] each."""
        B = adj.shape[0]
        A2 = torch.cat([adj, adj.transpose(1, 2)], 0) + self.eye
        h = self.embedding(ops).repeat(2, 1, 1)
        for w, b in zip(self.W, self.b):
            h = F.relu(torch.bmm(A2, h @ w) + h + b)
        return h[:B], h[B:]

    def forward(self, adj, ops):
        hf, hb = self.nodes(adj, ops)
        return 0.5 * (hf.mean(1) + hb.mean(1))

def batched_feats(fn, adj, ops, bs=4096):
    out = []
    with torch.no_grad():
        for s in range(0, adj.shape[0], bs):
            out.append(fn(adj[s:s + bs], ops[s:s + bs]))
    return torch.cat(out)

class NAC(nn.Module):
    """encoder + antisymmetric head; optional frozen extra features joined to f."""
    def __init__(self, extra_dim=0):
        super().__init__()
        self.enc = Encoder()
        self.w = nn.Parameter(torch.empty(D + extra_dim))
        nn.init.uniform_(self.w, -1 / 16, 1 / 16)
        # C/torch default has w ~ U(+-1/sqrt(256)) = 1/16 for the concat Linear(256,1)

    def feats(self, adj, ops, extra=None):
        f = self.enc(adj, ops)
        if extra is not None:
            f = torch.cat([f, extra], 1)
        return f

    def score(self, adj, ops, extra=None):
        return self.feats(adj, ops, extra) @ self.w

def finetune(seed, init=None, epochs=1000, lr=2e-4, enc_lr=None, wd=5e-4, freeze=False, extra=None,
             head_init=None, bs=256, reinit_head=True, freeze_emb=False):
    """recipe default. init: encoder state_dict (embedding 6 rows). extra: tensor [N,E] of fixed features."""
    d = data()
    tr, te = split(seed)
    torch.manual_seed(seed)
    m = NAC(0 if extra is None else extra.shape[1])
    if init is not None:
        sd = dict(init); sd['embedding.weight'] = sd['embedding.weight'][:6]
        m.enc.load_state_dict(sd, strict=False)
    if head_init is not None:
        with torch.no_grad(): m.w.copy_(head_init)
    groups = [{'params': [m.w], 'lr': lr}]
    if not freeze:
        ep = [p for n, p in m.enc.named_parameters() if not (freeze_emb and n.startswith('embedding'))]
        groups.append({'params': ep, 'lr': enc_lr if enc_lr is not None else lr})
    opt = torch.optim.Adam(groups, lr=lr, betas=(0.5, 0.999), eps=1e-8, weight_decay=wd)
    adj, ops, acc = d['adj'][tr], d['ops'][tr], d['acc'][tr]
    ex = None if extra is None else extra[tr]
    n = len(tr)
    t0 = time.time()
    if freeze:
        with torch.no_grad(): fixed = m.feats(adj, ops, ex)
    for e in range(epochs):
        p = torch.randperm(n)
        for s in range(0, n, bs):
            idx = p[s:s + bs]; B = len(idx)
            q = torch.randperm(B)
            f = fixed[idx] if freeze else m.feats(adj[idx], ops[idx], None if ex is None else ex[idx])
            a = acc[idx]
            logit = (f - f[q]) @ m.w
            loss = F.binary_cross_entropy_with_logits(logit, (a > a[q]).float())
            opt.zero_grad(); loss.backward(); opt.step()
    ft = time.time() - t0
    m.eval()
    with torch.no_grad():
        ste = m.score(d['adj'][te], d['ops'][te], None if extra is None else extra[te])
        r = rest20k(tr)
        sr = batched_feats(lambda a, o: m.enc(a, o), d['adj'][r], d['ops'][r])
        if extra is not None: sr = torch.cat([sr, extra[r]], 1)
        sr = sr @ m.w
    return dict(seed=seed, ktau=taub(ste.numpy(), d['acc'][te].numpy()),
                tau20k=taub(sr.numpy(), d['acc'][r].numpy()), ft_s=round(ft, 2))
