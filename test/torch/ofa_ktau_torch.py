#!/usr/bin/python3
"""ofa_ktau_torch.py SEED NTRAIN [CSV] [EPOCHS]: the PyTorch side of
`nac_tool ofa-ktau SEED NTRAIN '{"recipe": "paper"}' [CSV]`.

The same split (torch.randperm(rows, generator seeded with SEED): the first
NTRAIN rows train, CTNAS's KTau on the next 100, tau-b of the score
fc.weight[:512] . f(a) on all the rest), the reference's MBSpaceNAC
(nac_mlp_torch.MBSpaceNAC) and its pre-training (ctnas-reference.md §3 and
§11.7: torch.manual_seed(SEED) before the model is built, Adam(2e-4,
(0.5, 0.999), weight decay 5e-4), BCE, DataLoader of batch 256 shuffled,
one in-batch randperm pairing per batch, 1000 epochs).  Subnets go through
the reference's string form and tensorize (mb_arch2tensor).
CSV: /work/shared/data/ofa_mbv3/ofa_mbv3_w10_unique_subnets.csv.gz's columns.
Run with /usr/bin/python3 and OPENBLAS_NUM_THREADS=1.
"""
import csv
import gzip
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.utils.data as data  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nac_mlp_torch  # noqa: E402
import nac_torch  # noqa: E402

CSV = "/work/shared/data/ofa_mbv3/ofa_mbv3_w10_unique_subnets.csv.gz"


def tau_b(x, y):
    x, y = torch.tensor(x, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    dx = torch.sign(x[:, None] - x[None, :])
    dy = torch.sign(y[:, None] - y[None, :])
    iu = torch.triu_indices(len(x), len(x), 1)
    dx, dy = dx[iu[0], iu[1]], dy[iu[0], iu[1]]
    return ((dx * dy).sum() / torch.sqrt((dx != 0).sum().double() * (dy != 0).sum().double())).item()


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.split("\n\n")[0])
    seed, ntrain = int(sys.argv[1]), int(sys.argv[2])
    path = sys.argv[3] if len(sys.argv) > 3 else CSV
    epochs = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    torch.set_num_threads(1)
    with (gzip.open(path, "rt") if path.endswith(".gz") else open(path)) as f:
        rows = [(",".join(r["d"].split(";")) + ":" + ",".join(r["ks_active"].split(";")) + ":"
                 + ",".join(r["e_active"].split(";")), float(r["top1_mean"])) for r in csv.DictReader(f)]
    gen = torch.Generator()
    gen.manual_seed(seed)
    perm = torch.randperm(len(rows), generator=gen).tolist()
    train = [rows[i] for i in perm[:ntrain]]
    rest = [rows[i] for i in perm[ntrain:]]
    held = rest[:100]

    torch.manual_seed(seed)
    model = nac_mlp_torch.MBSpaceNAC()
    optimizer = nac_torch.paper_optimizer(model)
    criterion = nn.BCELoss()
    dataset = [(nac_mlp_torch.tensorize(s), a) for s, a in train]
    loader = data.DataLoader(dataset, batch_size=256, shuffle=True, num_workers=0)
    t0 = time.time()
    for _ in range(epochs):
        for x, acc0 in loader:
            perm_b = torch.randperm(acc0.size(0))
            target = (acc0 > acc0[perm_b]).float()
            optimizer.zero_grad()
            p = model(x, x[perm_b])
            loss = criterion(p, target)
            loss.backward()
            optimizer.step()
    seconds = time.time() - t0

    model.eval()
    with torch.no_grad():
        xh = torch.stack([nac_mlp_torch.tensorize(s) for s, _ in held])
        idx = [(i, j) for i in range(len(held) - 1) for j in range(i + 1, len(held))]
        p = model(xh[[i for i, _ in idx]], xh[[j for _, j in idx]]).tolist()
        xr = torch.stack([nac_mlp_torch.tensorize(s) for s, _ in rest])
        score = (model.extractor(xr) @ model.fc.weight[0, :512]).tolist()
    sign = lambda v: 1 if v >= 0 else -1  # noqa: E731
    ktau = sum(sign(pk - 0.5) * sign(held[i][1] - held[j][1]) for pk, (i, j) in zip(p, idx)) / len(idx)
    print(f"torch ofa seed {seed}, {ntrain} train: ktau {ktau:.4f} on {len(held)}, "
          f"tau-b {tau_b(score, [a for _, a in rest]):.4f} on {len(rest)}, "
          f"train {seconds:.1f} s, last loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
