#!/usr/bin/python3
"""crosscheck.py DUMP.json: checks the C NAC's forward, backward and Adam
against the independent PyTorch implementation in nac_torch.py, or, for a
dump with "space": "darts", against nac_darts_torch.py (the reference's NAC
for the DARTS space transcribed directly: Embedding(11, 128), fc 512 -> 1),
or, with "network": "default", against nac_default_torch.py (recipe
"default"'s network: both directions, [nodes; sink] readout, the
antisymmetric head), or, with "space": "ofa_mbv3", against nac_mlp_torch.py (the reference's
MBSpaceNAC and mobilespace tensorize; weights {"mlp": 3 x {"weight":
[out][in], "bias"}, "fc_weight": 1024, "fc_bias": 1}).

crosscheck.py --negative DUMP.json: the negative control; the check must
FAIL (exit 0 if every broken variant fails, else 1) with the torch side
given a plausible bug (OFA: the one-hot's kernel and expand halves swapped;
others: the pairs' order reversed), and with our gradients perturbed in one
element by 10 x the tolerance.

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
import nac_default_torch  # noqa: E402
import nac_mlp_torch  # noqa: E402

RTOL = 1e-5
# The MLP (one product per layer): p, loss and every gradient within 2e-7.
# Its weights after Adam keep RTOL: Adam divides by sqrt(v), so where a
# loss gradient and weight decay (5e-4 w) nearly cancel, the ~1e-11
# differences of the gradients move a step by up to ~1e-2 lr (measured:
# 2e-6 in 9 of 262,144 weights of layer 1).
RTOL_MLP = 2e-7


def rtol_of(space, name):
    return RTOL_MLP if space == "ofa_mbv3" and not name.startswith("after.") else RTOL


def tensors(values, impl=nac_torch):
    """(name, nested list) of every checked quantity of an "expected" object."""
    items = getattr(impl, "structure_items", nac_torch.structure_items)
    yield "p", values["p"]
    yield "loss", values["loss"]
    for name, t in items(values["grads"]):
        yield "grad." + name, t
    for name, t in items(values["adam"]["weights_after"]):
        yield "after." + name, t


# A weight whose first Adam step divides a near-zero sum by its own size:
# where the loss gradient and weight decay cancel to within 10 x eps, the
# float32 rounding of the gradient (~1e-9) decides the step (up to ~lr).
# Such elements of the weights after Adam are held to 2 x steps x lr
# instead of RTOL (seen: 1 of 16,384 weights in the default network's dump).
ILL_CONDITIONED = 1e-7


def compare(name, ours, ref, rtol=RTOL, quiet=False, loose=None, loose_bound=0.0):
    """Prints one tensor's result; returns (ok, diff / scale).  loose: a mask
    of elements held to loose_bound rather than rtol."""
    ours = torch.tensor(ours, dtype=torch.float64)
    ref = torch.tensor(ref, dtype=torch.float64)
    if ours.shape != ref.shape:
        print(f"{name:24s} FAIL shape {tuple(ours.shape)}, torch {tuple(ref.shape)}")
        return False, float("inf")
    d = (ours - ref).abs()
    nloose = 0
    loose_ok = True
    if loose is not None and loose.shape == d.shape and loose.any():
        nloose = int(loose.sum().item())
        loose_ok = bool((d[loose] <= loose_bound).all().item())
        d = d.masked_fill(loose, 0.0)
    diff = d.max().item()
    scale = max(1.0, ref.abs().max().item())
    ok = diff <= rtol * scale and loose_ok  # False for NaN
    if not quiet:
        extra = f"  ({nloose} ill-conditioned within {loose_bound:.1e}: {'ok' if loose_ok else 'FAIL'})" if nloose else ""
        print(f"{name:24s} max abs diff {diff:.3e}  scale {scale:.3e}  {'ok' if ok else 'FAIL'}{extra}")
    return ok, diff / scale


def ill_conditioned(dump, ref, impl):
    """after.<name> -> mask of weights whose first Adam step is ill-conditioned."""
    items = getattr(impl, "structure_items", nac_torch.structure_items)
    wd = ref["adam"]["weight_decay"]
    out = {}
    for (name, w), (_, g) in zip(items(dump["weights"]), items(ref["grads"])):
        w = torch.tensor(w, dtype=torch.float64)
        g = torch.tensor(g, dtype=torch.float64)
        if w.shape == g.shape:
            # (a gradient exactly 0 is exact on both sides, however small the sum)
            out["after." + name] = ((g + wd * w).abs() < ILL_CONDITIONED) & (g != 0)
    return out


def run(dump, expected, broken_torch=False, quiet=False):
    """Compares expected with the torch side; returns (tensors, failed, worst)."""
    space = dump.get("space")
    impl = {"darts": nac_darts_torch, "ofa_mbv3": nac_mlp_torch}.get(space, nac_torch)
    if dump.get("network") == "default":
        impl = nac_default_torch
    pairs = dump["pairs"]
    kwargs = {}
    if broken_torch and space == "ofa_mbv3":
        def swapped(text):
            t = nac_mlp_torch.tensorize(text)
            return torch.cat([t[60:], t[:60]])
        kwargs["tensorize_fn"] = swapped
    elif broken_torch:
        pairs = [[j, i] for i, j in pairs]
    ref = impl.pair_values(dump["weights"], dump["cells"], pairs, dump["labels"], expected["adam"], **kwargs)
    # (only the default network's dump needs it so far; the others keep RTOL everywhere)
    loose = ill_conditioned(dump, ref, impl) if dump.get("network") == "default" else {}
    bound = 2 * expected["adam"]["steps"] * expected["adam"]["lr"]
    results = [compare(name, ours, theirs, rtol_of(space, name), quiet, loose.get(name), bound)
               for (name, ours), (_, theirs) in zip(tensors(expected, impl), tensors(ref, impl))]
    return len(results), sum(not ok for ok, _ in results), max(r for _, r in results)


def negative(dump):
    """Every broken variant must fail the check."""
    n, failed, worst = run(dump, dump["expected"], broken_torch=True, quiet=True)
    print(f"negative control, torch side broken: {failed} of {n} tensors FAIL (max rel diff {worst:.1e})")
    ok = failed > 0
    rtol = rtol_of(dump.get("space"), "grad.")
    expected = json.loads(json.dumps(dump["expected"]))
    grads = expected["grads"]
    first = grads["mlp"][0]["weight"] if "mlp" in grads else grads["fc_weight"]
    row = first[0] if isinstance(first[0], list) else first
    scale = max(1.0, max(abs(x) for x in row))
    row[0] += 10 * rtol * scale
    n, failed, worst = run(dump, expected, quiet=True)
    print(f"negative control, one gradient element off by 10 x tolerance: {failed} of {n} tensors FAIL")
    ok = ok and failed == 1
    print("negative control: " + ("OK (the check fails as it must)" if ok else "FAILED (the check passed a broken side)"))
    return ok


def main():
    args = [a for a in sys.argv[1:] if a != "--negative"]
    if len(args) != 1:
        sys.exit(__doc__.split("\n\n")[0])
    torch.set_num_threads(1)
    with open(args[0]) as f:
        dump = json.load(f)
    if "--negative" in sys.argv:
        sys.exit(0 if negative(dump) else 1)
    n, failed, worst = run(dump, dump["expected"])
    print(f"crosscheck: {n} tensors, max rel diff {worst:.1e}, "
          + ("OK" if not failed else f"{failed} FAILED"))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
