"""Contrastive self-supervised pretraining of the NAC encoder on ALL 423,624 NB101 cells (never reads accuracies).
Encoder = exactly nac.py's Net with cfg {"readout":"meanreal+sink"}: Embedding(6,128) (+ a [MASK] row used only here),
4 x h = relu((A+I) h W + h + b), forward cell and reversed cell with shared weights, readout per direction
[mean over real nodes ; sink node] (sink = output node forward, input node reversed), averaged over the 2 directions (256-d).
usage: python3 cl_pretrain.py OUT.pt --aug mask,edge --method simclr|byol --epochs 3 ...
Writes OUT.pt = {'emb','W','b'} (nac.py `init` key) and appends a line to cl_pretrain_log.jsonl.

Augmentations (each view draws its own; comma-joined list, all listed ones are applied in sequence):
  mask  : each interior op (conv1x1/conv3x3/maxpool) -> [MASK] embedding with prob --pmask
  sub   : structural positive: one interior node's op replaced by a different op (the result is another cell of the space,
          1 op edit apart; the encoder is permutation invariant, so encoding the edited (adj,ops) = encoding that cell)
  edge  : drop each edge with prob --pedge, keep the drop only if every remaining real node is still on an
          input->output path (else up to 3 redraws, then no drop): the result is again a valid NB101 cell
  edgeraw : drop each edge with prob --pedge, no validity check
  node  : drop one interior node (its edges removed, excluded from the mean) if the rest stays valid (3 tries)
"""
import argparse, time, os, json, math
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
import numpy as np, torch, torch.nn as nn, torch.nn.functional as F
torch.set_num_threads(1)
import nac
HERE = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument('out'); ap.add_argument('--aug', default='mask,edge'); ap.add_argument('--method', default='simclr')
ap.add_argument('--epochs', type=float, default=3); ap.add_argument('--bs', type=int, default=512)
ap.add_argument('--lr', type=float, default=1e-3); ap.add_argument('--temp', type=float, default=0.2)
ap.add_argument('--pmask', type=float, default=0.3); ap.add_argument('--pedge', type=float, default=0.2)
ap.add_argument('--seed', type=int, default=0); ap.add_argument('--ema', type=float, default=0.99)
ap.add_argument('--pdim', type=int, default=64)
args = ap.parse_args(); augs = args.aug.split(',')
N = nac.N; ADJ = nac.ADJ_IN; OPS = nac.OPS; NV = nac.NV   # ADJ_IN[b,i,j] = 1 iff edge j->i
AR7 = torch.arange(7)

def valid(A, real, out):
    """A: adj_in [B,7,7]; real [B,7] bool; out [B] output index. every real node reachable from 0 and reaching out."""
    B = A.shape[0]; E = A > 0   # E[b,i,j]: j->i
    fw = torch.zeros(B, 7, dtype=torch.bool); fw[:, 0] = True
    for j in range(1, 7):   # cells are topologically ordered (edges only i<j)
        fw[:, j] = (E[:, j, :j] & fw[:, :j]).any(1)
    bw = torch.zeros(B, 7, dtype=torch.bool); bw[torch.arange(B), out] = True
    for i in range(5, -1, -1):
        bw[:, i] = bw[:, i] | (E[:, i + 1:, i] & bw[:, i + 1:]).any(1)
    return ((fw & bw) | ~real).all(1)

def view(idx):
    A = ADJ[idx].clone(); ops = OPS[idx].clone(); nv = NV[idx]; B = len(idx)
    real = AR7[None] < nv[:, None]; out = nv - 1
    interior = real & (AR7[None] > 0) & (AR7[None] < out[:, None])
    mask = torch.zeros(B, 7, dtype=torch.bool)
    for a in augs:
        if a == 'mask':
            mask = mask | (interior & (torch.rand(B, 7) < args.pmask))
        elif a == 'sub':
            # pick one interior node uniformly, shift its op by 1 or 2 (mod 3 within {2,3,4}) -> a different op
            sc = torch.rand(B, 7).masked_fill(~interior, -1); k = sc.argmax(1); has = interior.any(1)
            o = ops[torch.arange(B), k]; new = 2 + (o - 2 + torch.randint(1, 3, (B,))) % 3
            ops[torch.arange(B), k] = torch.where(has, new, o)
        elif a in ('edge', 'edgeraw'):
            if a == 'edgeraw':
                A = A * (torch.rand(A.shape) >= args.pedge).float()
            else:
                done = torch.zeros(B, dtype=torch.bool); A0 = A
                for _ in range(3):
                    A1 = A0 * (torch.rand(A0.shape) >= args.pedge).float()
                    ok = valid(A1, real, out) & ~done
                    A = torch.where(ok[:, None, None], A1, A); done = done | ok
        elif a == 'node':
            done = torch.zeros(B, dtype=torch.bool)
            for _ in range(3):
                sc = torch.rand(B, 7).masked_fill(~interior, -1); k = sc.argmax(1); has = interior.any(1) & ~done
                keep = torch.ones(B, 7); keep[torch.arange(B), k] = 0
                A1 = A * keep[:, :, None] * keep[:, None, :]; r1 = real & (keep > 0)
                ok = has & valid(A1, r1, out)
                A = torch.where(ok[:, None, None], A1, A); real = torch.where(ok[:, None], r1, real); done = done | ok
    return A, ops, real, out, mask

def feat(net, mrow, A, ops, real, out, mask):
    """identical to nac.Net.score's features for cfg readout meanreal+sink, both directions (verified below)."""
    B = A.shape[0]
    h = net.emb(ops)
    if mask.any(): h = torch.where(mask[..., None], mrow.expand_as(h), h)
    A2 = torch.cat([A, A.transpose(1, 2)]) + torch.eye(7); h = torch.cat([h, h])
    for l in range(len(net.W)):
        h = F.relu(torch.bmm(A2, h @ net.W[l]) + h + net.b[l])
    r2 = torch.cat([real, real]).float(); o2 = torch.cat([out, torch.zeros_like(out)])
    mr = (h * r2[..., None]).sum(1) / r2.sum(1, keepdim=True)
    sink = h[torch.arange(2 * B), o2]
    f = torch.cat([mr, sink], 1)
    return (f[:B] + f[B:]) / 2

torch.manual_seed(args.seed)
cfg = {"readout": "meanreal+sink"}
net = nac.Net(cfg); mrow = nn.Parameter(torch.randn(128))
# sanity: feat() == nac features on clean cells
with torch.no_grad():
    idx = torch.arange(0, 50)
    A, ops, real, out, mask = ADJ[idx], OPS[idx], AR7[None] < NV[idx][:, None], NV[idx] - 1, torch.zeros(50, 7, dtype=torch.bool)
    d1 = feat(net, mrow, A, ops, real, out, mask) @ net.w; d2 = net.score(idx)
    assert torch.allclose(d1, d2, atol=1e-5), (d1 - d2).abs().max()
    v = valid(ADJ[:2000], AR7[None] < NV[:2000, None], NV[:2000] - 1); assert bool(v.all()), 'valid() rejects real cells'
D2 = 256
proj = nn.Sequential(nn.Linear(D2, D2), nn.BatchNorm1d(D2), nn.ReLU(), nn.Linear(D2, args.pdim))
params = [p for n_, p in net.named_parameters() if n_ != 'w'] + [mrow] + list(proj.parameters())
if args.method == 'byol':   # BGRL/BYOL: online = enc+proj+pred, target = EMA(enc+proj), no negatives
    import copy
    pred = nn.Sequential(nn.Linear(args.pdim, 256), nn.BatchNorm1d(256), nn.ReLU(), nn.Linear(256, args.pdim))
    params += list(pred.parameters())
    tnet = copy.deepcopy(net); tmrow = mrow.detach().clone(); tproj = copy.deepcopy(proj)
    for p in list(tnet.parameters()) + list(tproj.parameters()): p.requires_grad_(False)
opt = torch.optim.Adam(params, lr=args.lr)
nper = (N + args.bs - 1) // args.bs; nsteps = int(args.epochs * nper); step = 0
t0 = time.time(); log = []; run = 0.0; cnt = 0; alig = 0.0
g = torch.Generator().manual_seed(1000 + args.seed)
while step < nsteps:
    perm = torch.randperm(N, generator=g)
    for s in range(0, N, args.bs):
        if step >= nsteps: break
        idx = perm[s:s + args.bs]
        if len(idx) < 64: continue
        for pg in opt.param_groups: pg['lr'] = args.lr * 0.5 * (1 + math.cos(math.pi * step / nsteps))
        v1 = view(idx); v2 = view(idx)
        if args.method == 'simclr':
            z1 = F.normalize(proj(feat(net, mrow, *v1)), dim=1); z2 = F.normalize(proj(feat(net, mrow, *v2)), dim=1)
            lg = z1 @ z2.t() / args.temp; lab = torch.arange(len(idx))
            loss = 0.5 * (F.cross_entropy(lg, lab) + F.cross_entropy(lg.t(), lab))
            with torch.no_grad(): alig += float((z1 * z2).sum(1).mean()); acc = float((lg.argmax(1) == lab).float().mean())
        else:
            p1 = F.normalize(pred(proj(feat(net, mrow, *v1))), dim=1); p2 = F.normalize(pred(proj(feat(net, mrow, *v2))), dim=1)
            with torch.no_grad():
                t1 = F.normalize(tproj(feat(tnet, tmrow, *v1)), dim=1); t2 = F.normalize(tproj(feat(tnet, tmrow, *v2)), dim=1)
            loss = (2 - 2 * (p1 * t2).sum(1).mean()) + (2 - 2 * (p2 * t1).sum(1).mean()); acc = 0.0
        opt.zero_grad(); loss.backward(); opt.step(); step += 1
        if args.method == 'byol':
            tau = 1 - (1 - args.ema) * (math.cos(math.pi * step / nsteps) + 1) / 2
            with torch.no_grad():
                for pt, po in zip(list(tnet.parameters()) + list(tproj.parameters()), list(net.parameters()) + list(proj.parameters())):
                    pt.mul_(tau).add_(po.detach(), alpha=1 - tau)
                tmrow.mul_(tau).add_(mrow.detach(), alpha=1 - tau)
        run += float(loss); cnt += 1
        if step % 100 == 0 or step == nsteps:
            rec = dict(step=step, loss=round(run / cnt, 4), top1=round(acc, 3), t=round(time.time() - t0, 1))
            if args.method == 'simclr': rec['align'] = round(alig / cnt, 3)
            print(json.dumps(rec), flush=True); log.append(rec); run = 0.0; cnt = 0; alig = 0.0
sec = round(time.time() - t0, 1)
torch.save({'emb': net.emb.weight.detach().clone(), 'W': [w.detach().clone() for w in net.W],
            'b': [b.detach().clone() for b in net.b], 'mask': mrow.detach().clone()}, os.path.join(HERE, args.out))
with open(os.path.join(HERE, 'cl_pretrain_log.jsonl'), 'a') as f:
    f.write(json.dumps(dict(out=args.out, args=vars(args), seconds=sec, chance=round(math.log(args.bs), 4), log=log)) + '\n')
print('seconds', sec)
