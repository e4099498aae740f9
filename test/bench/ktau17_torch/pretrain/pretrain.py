"""Self-supervised pretraining of the NAC encoder on unlabelled NB101 cells (no accuracies used).
python3 pretrain.py OUT.pt --obj mask,reg[,cl] --ncells 50000 --epochs 4 --mask 0.3 --lr 1e-3 --bs 256"""
import argparse, time
from common import *
ap = argparse.ArgumentParser()
ap.add_argument('out'); ap.add_argument('--obj', default='mask,reg'); ap.add_argument('--ncells', type=int, default=50000)
ap.add_argument('--epochs', type=int, default=4); ap.add_argument('--mask', type=float, default=0.3)
ap.add_argument('--lr', type=float, default=1e-3); ap.add_argument('--bs', type=int, default=256)
ap.add_argument('--wd', type=float, default=0.0); ap.add_argument('--seed', type=int, default=0)
ap.add_argument('--wreg', type=float, default=1.0); ap.add_argument('--wmask', type=float, default=1.0)
ap.add_argument('--wcl', type=float, default=1.0); ap.add_argument('--temp', type=float, default=0.2)
ap.add_argument('--edrop', type=float, default=0.0)
args = ap.parse_args(); objs = set(args.obj.split(','))
d = data()

def targets():
    adj = d['adj'].numpy(); ops = d['ops'].numpy(); nv = d['nv'].numpy(); n = len(nv)
    dist = np.full((n, 7), -1e9); dist[:, 0] = 0; npath = np.zeros((n, 7)); npath[:, 0] = 1
    for j in range(1, 7):
        e = adj[:, j, :j] > 0
        dist[:, j] = np.where(e, dist[:, :j] + 1, -1e9).max(1)
        npath[:, j] = (e * npath[:, :j]).sum(1)
    out = nv - 1; ar = np.arange(n)
    T = np.stack([np.log(d['params'].numpy()), dist[ar, out], adj.reshape(n, -1).sum(1), nv,
                  (ops == 2).sum(1), (ops == 3).sum(1), (ops == 4).sum(1), np.log(npath[ar, out]),
                  adj[ar, out, :].sum(1), adj[:, :, 0].sum(1)], 1)   # in-degree of output, out-degree of input
    T = (T - T.mean(0)) / T.std(0)
    return torch.tensor(T, dtype=torch.float32)

T = targets() if 'reg' in objs else None

def node_targets():
    adj = d['adj'].numpy(); nv = d['nv'].numpy(); n = len(nv); ar = np.arange(n)
    din = np.full((n, 7), -1e9); din[:, 0] = 0
    for j in range(1, 7):
        din[:, j] = np.where(adj[:, j, :j] > 0, din[:, :j] + 1, -1e9).max(1)
    dout = np.full((n, 7), -1e9); dout[ar, nv - 1] = 0
    for i in range(5, -1, -1):
        # edge i->j iff adj[:, j, i]
        dout[:, i] = np.maximum(dout[:, i], np.where(adj[:, i + 1:, i] > 0, dout[:, i + 1:] + 1, -1e9).max(1))
    reach = adj.transpose(0, 2, 1).astype(np.int64)  # reach[k,i,j]=edge i->j
    R = reach.copy()
    for _ in range(6): R = ((R + R @ reach) > 0).astype(np.int64)
    valid = np.arange(7)[None, :] < nv[:, None]
    T = np.stack([din, dout, adj.sum(2), adj.sum(1), R.sum(1), R.sum(2)], 2).astype(np.float64)
    T[~valid] = 0
    mu = T[valid].mean(0); sd = T[valid].std(0)
    T = (T - mu) / sd
    return torch.tensor(T, dtype=torch.float32), torch.tensor(valid)

if 'nreg' in objs: NT, NV = node_targets()
torch.manual_seed(args.seed)
enc = Encoder(nemb=7)  # row 6 = [MASK] token (dropped at fine-tuning)
heads = nn.ModuleDict()
if 'mask' in objs: heads['mask'] = nn.Linear(D, 3)
if 'reg' in objs: heads['reg'] = nn.Linear(D, T.shape[1])
if 'nreg' in objs: heads['nreg'] = nn.Linear(D, 6)
if 'cl' in objs: heads['proj'] = nn.Sequential(nn.Linear(D, D), nn.ReLU(), nn.Linear(D, 64))
opt = torch.optim.Adam(list(enc.parameters()) + list(heads.parameters()), lr=args.lr, weight_decay=args.wd)
idx_all = torch.randperm(N, generator=torch.Generator().manual_seed(1000 + args.seed))[:args.ncells]
nsteps = args.epochs * ((args.ncells + args.bs - 1) // args.bs); step = 0
t0 = time.time(); log = []

def augment(adj, ops, rate, edrop):
    interior = (ops >= 2) & (ops <= 4)
    m = interior & (torch.rand(ops.shape) < rate)
    ops2 = torch.where(m, torch.full_like(ops, 6), ops)
    if edrop > 0:
        adj = adj * (torch.rand(adj.shape) >= edrop).float()
    return adj, ops2, m

for ep in range(args.epochs):
    p = idx_all[torch.randperm(args.ncells)]
    sums = {}
    for s in range(0, args.ncells, args.bs):
        idx = p[s:s + args.bs]; adj, ops = d['adj'][idx], d['ops'][idx]
        for g in opt.param_groups: g['lr'] = args.lr * 0.5 * (1 + math.cos(math.pi * step / nsteps))
        loss = 0.0; parts = {}
        if 'mask' in objs or 'reg' in objs or 'nreg' in objs:
            a1, o1, m = augment(adj, ops, args.mask if 'mask' in objs else 0.0, 0.0)
            hf, hb = enc.nodes(a1, o1)
            if 'mask' in objs and m.any():
                h = 0.5 * (hf + hb)
                lm = F.cross_entropy(heads['mask'](h[m]), ops[m] - 2); parts['mask'] = lm.item(); loss = loss + args.wmask * lm
            if 'nreg' in objs:
                h = 0.5 * (hf + hb); vm = NV[idx]
                ln = F.mse_loss(heads['nreg'](h[vm]), NT[idx][vm]); parts['nreg'] = ln.item(); loss = loss + ln
            if 'reg' in objs:
                f = 0.5 * (hf.mean(1) + hb.mean(1))
                lr_ = F.mse_loss(heads['reg'](f), T[idx]); parts['reg'] = lr_.item(); loss = loss + args.wreg * lr_
        if 'cl' in objs:
            za = heads['proj'](enc(*augment(adj, ops, 0.2, args.edrop)[:2])); zb = heads['proj'](enc(*augment(adj, ops, 0.2, args.edrop)[:2]))
            za = F.normalize(za, dim=1); zb = F.normalize(zb, dim=1)
            lg = za @ zb.t() / args.temp; lab = torch.arange(len(idx))
            lc = 0.5 * (F.cross_entropy(lg, lab) + F.cross_entropy(lg.t(), lab)); parts['cl'] = lc.item(); loss = loss + args.wcl * lc
        opt.zero_grad(); loss.backward(); opt.step(); step += 1
        for k, v in parts.items(): sums[k] = sums.get(k, 0) + v * len(idx)
    rec = {k: round(v / args.ncells, 4) for k, v in sums.items()}; rec['epoch'] = ep; rec['t'] = round(time.time() - t0, 1)
    print(json.dumps(rec), flush=True); log.append(rec)
torch.save(enc.state_dict(), args.out)
torch.save({k: v.state_dict() for k, v in heads.items()}, args.out.replace('.pt', '_heads.pt'))
with open(os.path.join(HERE, 'pretrain_log.jsonl'), 'a') as f:
    f.write(json.dumps(dict(out=args.out, args=vars(args), log=log, seconds=round(time.time() - t0, 1))) + '\n')
