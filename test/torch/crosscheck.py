#!/usr/bin/python3
"""crosscheck.py DUMP.json: checks the C NAC's forward, backward and Adam
against the independent PyTorch implementation in nac_torch.py, or, for a
dump with "space": "darts", against nac_darts_torch.py (the reference's NAC
for the DARTS space transcribed directly: Embedding(11, 128), fc 512 -> 1).

DUMP.json (written by our C tool; make_dump.py writes one from torch):
  weights  {"embedding": 6x128, "gcn": 4 x {"weight": 128x128 [in][out],
            "bias": 128}, "fc_weight": 256, "fc_bias": 1}
  cells    [{"matrix": VxV 0/1, "ops": [...]}], or Genotype strings (darts)
  pairs    [[i, j]]: p_k = P(cells[i] better than cells[j])
  labels   [0/1] per pair
  expected {"p", "loss" (BCE mean), "grads" (like weights),
            "adam": {"lr", "betas", "eps", "weight_decay", "steps",
                     "weights_after" (like weights)}}
The torch side recomputes everything in float32 from "weights" and the
Adam settings of the dump; each tensor passes when
max|ours - torch| <= 1e-5 * max(1, max|torch|).  Exit 0 if all pass, else 1.
"""
import json
import os
import sys

# torch.set_num_threads(1) does not reach the pthread OpenBLAS that Debian's
# torch does its matmuls with; without this it runs a second BLAS thread.
os.environ["OPENBLAS_NUM_THREADS"] = "1"

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import nac_torch  # noqa: E402
import nac_darts_torch  # noqa: E402

RTOL = 1e-5


def tensors(values):
    """(name, nested list) of every checked quantity of an "expected" object."""
    yield "p", values["p"]
    yield "loss", values["loss"]
    for name, t in nac_torch.structure_items(values["grads"]):
        yield "grad." + name, t
    for name, t in nac_torch.structure_items(values["adam"]["weights_after"]):
        yield "after." + name, t


def compare(name, ours, ref):
    """Prints one tensor's result; returns (ok, diff / scale)."""
    ours = torch.tensor(ours, dtype=torch.float64)
    ref = torch.tensor(ref, dtype=torch.float64)
    if ours.shape != ref.shape:
        print(f"{name:24s} FAIL shape {tuple(ours.shape)}, torch {tuple(ref.shape)}")
        return False, float("inf")
    diff = (ours - ref).abs().max().item()
    scale = max(1.0, ref.abs().max().item())
    ok = diff <= RTOL * scale  # False for NaN
    print(f"{name:24s} max abs diff {diff:.3e}  scale {scale:.3e}  {'ok' if ok else 'FAIL'}")
    return ok, diff / scale


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__.split("\n\n")[0])
    torch.set_num_threads(1)
    with open(sys.argv[1]) as f:
        dump = json.load(f)
    expected = dump["expected"]
    impl = nac_darts_torch if dump.get("space") == "darts" else nac_torch
    ref = impl.pair_values(dump["weights"], dump["cells"], dump["pairs"],
                           dump["labels"], expected["adam"])
    results = [compare(name, ours, theirs)
               for (name, ours), (_, theirs) in zip(tensors(expected), tensors(ref))]
    failed = sum(not ok for ok, _ in results)
    worst = max(r for _, r in results)
    print(f"crosscheck: {len(results)} tensors, max rel diff {worst:.1e}, "
          + ("OK" if not failed else f"{failed} FAILED"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
