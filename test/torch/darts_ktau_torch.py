#!/usr/bin/python3
"""darts_ktau_torch.py SEED NTRAIN [CSV] [EPOCHS]: the PyTorch side of
`nac_tool darts-ktau SEED NTRAIN '{"recipe": "paper"}' [CSV]`.

The same split (torch.randperm(rows, generator seeded with SEED): the first
NTRAIN rows train, CTNAS's KTau on the next 100, or all the rest if fewer),
the reference's NAC for DARTS (nac_darts_torch.NAC) and its pre-training
(ctnas-reference.md §3 and §10.8: torch.manual_seed(SEED) before the model
is built, Adam(2e-4, (0.5, 0.999), weight decay 5e-4), BCE, DataLoader of
batch 256 shuffled, one in-batch randperm pairing per batch, 1000 epochs).
CSV: data/darts_sample.csv's columns (genotype, compact, accuracy).
Run with /usr/bin/python3 and OPENBLAS_NUM_THREADS=1.
"""
import csv
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402
import torch.utils.data as data  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nac_darts_torch  # noqa: E402
import nac_torch  # noqa: E402


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__.split("\n\n")[0])
    seed, ntrain = int(sys.argv[1]), int(sys.argv[2])
    path = sys.argv[3] if len(sys.argv) > 3 else "data/darts_sample.csv"
    epochs = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    torch.set_num_threads(1)
    with open(path) as f:
        rows = [(r[0], float(r[2])) for r in list(csv.reader(f))[1:]]
    gen = torch.Generator()
    gen.manual_seed(seed)
    perm = torch.randperm(len(rows), generator=gen).tolist()
    train = [rows[i] for i in perm[:ntrain]]
    held = [rows[i] for i in perm[ntrain:ntrain + 100]]

    torch.manual_seed(seed)
    model = nac_darts_torch.NAC()
    optimizer = nac_torch.paper_optimizer(model)
    criterion = nn.BCELoss()
    dataset = [(*nac_darts_torch.tensorize(g), a) for g, a in train]
    loader = data.DataLoader(dataset, batch_size=256, shuffle=True, num_workers=0)
    t0 = time.time()
    for _ in range(epochs):
        for na, no, ra, ro, acc0 in loader:
            perm_b = torch.randperm(acc0.size(0))
            target = (acc0 > acc0[perm_b]).float()
            optimizer.zero_grad()
            p = model((na, no, ra, ro), (na[perm_b], no[perm_b], ra[perm_b], ro[perm_b]))
            loss = criterion(p, target)
            loss.backward()
            optimizer.step()
    seconds = time.time() - t0

    t = [nac_darts_torch.tensorize(g) for g, _ in held]
    idx = [(i, j) for i in range(len(t) - 1) for j in range(i + 1, len(t))]
    model.eval()
    with torch.no_grad():
        p = model(nac_darts_torch.stack([t[i] for i, _ in idx]),
                  nac_darts_torch.stack([t[j] for _, j in idx])).tolist()
    sign = lambda x: 1 if x >= 0 else -1  # noqa: E731
    ktau = sum(sign(pk - 0.5) * sign(held[i][1] - held[j][1]) for pk, (i, j) in zip(p, idx)) / len(idx)
    print(f"torch darts seed {seed}, {ntrain} train: ktau {ktau:.4f} on {len(held)}, "
          f"train {seconds:.1f} s, last loss {loss.item():.4f}")


if __name__ == "__main__":
    main()
