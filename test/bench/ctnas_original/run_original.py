#!/usr/bin/python3
"""Runs the ORIGINAL CTNAS code (vendored unchanged in upstream/, see
upstream/COMMIT) on NAS-Bench-101, on one CPU thread, as the baseline the
ctnas benchmarks compare against.

  nice -n 19 /usr/bin/python3 test/bench/ctnas_original/run_original.py nac \
      --seed 2020 --epochs 1000 --cells 423
  nice -n 19 /usr/bin/python3 test/bench/ctnas_original/run_original.py search \
      --seed 2020 --budget 423

Data.  The upstream code reads a `nas_bench.json` (a list of records with
matrix, ops, validation_accuracy, test_accuracy, hash_, ...; see
upstream/ctnas/core/dataset/database/nasbench.py).  We do not have CTNAS's
file, so the driver writes one (once; --data, default
/tmp/ctnas_original/nas_bench_run0test.json) from
/work/shared/data/nb101/nb101_all_run0test.csv.gz: all 423,624 rows in FILE
ORDER, with BOTH validation_accuracy and test_accuracy set to test_acc_run0
(upstream trains the NAC on validation_accuracy -- the 3rd item of a
NASBench sample -- and ranks/reports with test_accuracy; the table only has
the run-0 test accuracy, so both labels are that).

Split.  upstream NASBench(database, seed) draws its own
torch.randperm(database.size, generator=Generator().manual_seed(seed)) and
train.py takes proxy[0:trainset_size] for training and the next
valset_size (100) for KTau.  NASBenchDataBase keeps the JSON's order
(items = list(dict) in insertion order, all hashes are distinct), so feeding
the FULL table in CSV order makes upstream pick exactly the cells of
test/bench/reference_nac_train.py's full_split (same randperm over the rows
in file order).  We did NOT write a reduced database: the driver loads the
full table into the unchanged upstream classes and asserts that the
database order is the CSV order and that proxy[:cells+100] equals our
independently computed randperm.

Deviations from running upstream as-is (all in this file, upstream is
untouched):
  * torch.utils.tensorboard is replaced by a stub module in sys.modules
    (Debian's python3-torch ships torch/utils/tensorboard, whose __init__
    imports the `tensorboard` package, which Debian does not package).  The
    stub's SummaryWriter keeps add_scalar() calls in memory and writes no
    files.  Nothing upstream reads the writer back.
  * upstream's core/config.py parses sys.argv when first imported; the
    driver sets sys.argv to train.py-style options before importing `core`.
  * one thread: OPENBLAS_NUM_THREADS=1 (Debian's torch does its matmuls with
    the pthread OpenBLAS, which torch.set_num_threads does not reach) and
    torch.set_num_threads(1) / set_num_interop_threads(1).
  * `nac` does NOT run train.py's main block: it repeats its NAC part (same
    calls in the same order: logger.info(args), set_reproducible(seed), NAC(...)
    with the nasbench arguments, NASBenchDataBase.from_file, NASBench,
    CachedSubset, DataLoaders, BCELoss, Adam) but by default skips the
    every-100-epoch evaluate()+torch.save() of train.py, so the timed loop is
    the 1000 x core.engine.nac.train() calls alone; evaluate() is called once
    at the end.  Skipping them changes the random stream: each evaluate()
    iterates a DataLoader, and every DataLoader iterator draws a base seed from
    torch's global RNG even with shuffle=False, so later epochs' shuffles and
    pairings differ from train.py's.  The default run is thus the same stream
    as test/torch/nac_torch.py's train_paper (it matched it exactly: same
    loss/KTau); --train-py-evals adds the ten evaluate() calls (not timed) and
    reproduces the NAC that train.py (and `search`) trains.  No torch.save.
    Per-epoch "TRAIN Complete" log lines are suppressed unless --verbose
    (logger level only).
  * `search` runs upstream/ctnas/train.py's __main__ block itself via
    runpy (unchanged), with --output set to a fresh directory (upstream needs
    one: policy_learning torch.save()s controllers into args.output).  To
    report the result without editing upstream, the driver wraps two module
    attributes with pass-through wrappers that call the originals with the
    same arguments and return their results untouched:
      - core.dataset.NASBenchDataBase.from_file: only times the load;
      - core.engine.policy_learning.derive: records, per derive, the history
        best architecture it returns (the one train_controller keeps), looked
        up in the database for its exact test_acc_run0 and rank.
"""
import argparse
import csv
import gzip
import json
import os
import runpy
import shutil
import sys
import tempfile
import time
import types

sys.dont_write_bytecode = True  # keep upstream/ free of __pycache__
os.environ["OPENBLAS_NUM_THREADS"] = "1"
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
UPSTREAM = os.path.join(HERE, "upstream", "ctnas")
CSV_GZ = os.path.normpath(os.path.join(HERE, "../../../../shared/data/nb101/nb101_all_run0test.csv.gz"))
DEFAULT_JSON = "/tmp/ctnas_original/nas_bench_run0test.json"
NB101_CELLS = 423624
N_HELD_OUT = 100  # train.py's --valset_size default
LABEL_NOTE = ("labels: test_acc_run0 (NB101 run-0 test accuracy) for both validation_accuracy and "
              "test_accuracy; the original trains on the mean validation accuracy, which we do not have")


# --------------------------------------------------------------------------
# tensorboard stub (see docstring): installed before any upstream import.
class _StubSummaryWriter:
    """Stand-in for torch.utils.tensorboard.SummaryWriter: keeps scalars in memory."""
    def __init__(self, *args, **kwargs):
        self.scalars = []

    def add_scalar(self, tag, value, step=None, *args, **kwargs):
        self.scalars.append((tag, float(value), step))

    def flush(self):
        pass

    def close(self):
        pass


def install_tensorboard_stub():
    stub = types.ModuleType("torch.utils.tensorboard")
    stub.__doc__ = "stub installed by run_original.py (the tensorboard package is not in Debian)"
    stub.SummaryWriter = _StubSummaryWriter
    sys.modules["torch.utils.tensorboard"] = stub
    import torch.utils
    torch.utils.tensorboard = stub


# --------------------------------------------------------------------------
def csv_hashes():
    with gzip.open(CSV_GZ, "rt") as f:
        return [r["hash"] for r in csv.DictReader(f)]


def write_json(path):
    """The whole NB101 table as a CTNAS nas_bench.json, rows in CSV order."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    tmp = path + ".part"
    with gzip.open(CSV_GZ, "rt") as f, open(tmp, "w") as out:
        out.write("[")
        for i, r in enumerate(csv.DictReader(f)):
            n = int(r["num_vertices"])
            bits = r["adjacency"]
            acc = float(r["test_acc_run0"])
            rec = {"matrix": [[int(bits[a * n + b]) for b in range(n)] for a in range(n)],
                   "ops": r["ops"].split(";"),
                   "n_params": int(r["trainable_parameters"]),
                   "validation_accuracy": acc,
                   "test_accuracy": acc,
                   "hash_": r["hash"]}
            out.write(("," if i else "") + "\n" + json.dumps(rec))
        out.write("\n]\n")
    os.replace(tmp, path)


def ensure_json(path):
    if not os.path.exists(path):
        t0 = time.perf_counter()
        write_json(path)
        print(f"# wrote {path} from {CSV_GZ} in {time.perf_counter() - t0:.1f} s", flush=True)
    return path


def check_split(database, dataset, seed, n):
    """database order == CSV order, and upstream's proxy == our full_split."""
    hashes = csv_hashes()
    if len(hashes) != NB101_CELLS or [a.hash_ for a in database.items] != hashes:
        sys.exit("database order differs from the CSV order")
    g = torch.Generator()
    g.manual_seed(seed)
    want = torch.randperm(NB101_CELLS, generator=g)[:n + N_HELD_OUT].tolist()
    if dataset.proxy[:n + N_HELD_OUT] != want:
        sys.exit("upstream NASBench split differs from full_split")


def upstream_argv(a, extra):
    return ["train.py", "--space", "nasbench", "--data", a.data, "--seed", str(a.seed)] + extra


def import_upstream(argv):
    """Sets sys.argv for core/config.py and puts upstream/ctnas on sys.path."""
    install_tensorboard_stub()
    sys.argv = argv
    sys.path.insert(0, UPSTREAM)
    from core.config import args
    return args


def print_args(args):
    print("# upstream args (core/config.py defaults + the options above): "
          + ", ".join(f"{k}={v}" for k, v in sorted(vars(args).items())), flush=True)


# --------------------------------------------------------------------------
def cmd_nac(a):
    args = import_upstream(upstream_argv(a, ["--trainset_size", str(a.cells),
                                             "--nac_epochs", str(a.epochs)]))
    import logging
    import torch.nn as nn
    import torch.optim as optim
    import torch.utils.data as data
    from core.dataset import NASBenchDataBase, NASBench, CachedSubset
    from core.model import NAC
    from core.engine.nac import train, evaluate
    from core.utils import logger, set_reproducible, device

    print_args(args)
    # --- train.py, space nasbench, NAC part (same calls, same order) ---
    logger.info(args)
    set_reproducible(args.seed)
    nac = NAC(n_nodes=args.n_nodes, n_ops=args.n_ops, ratio=2,
              n_layers=args.n_layers, embedding_dim=args.embedding_dim).to(device=device)
    max_epochs = args.nac_epochs
    t0 = time.perf_counter()
    database = NASBenchDataBase.from_file(args.data)
    dataset = NASBench(database=database, seed=args.seed)
    trainset = CachedSubset(dataset, list(range(args.trainset_size)))
    valset = CachedSubset(dataset, list(range(args.trainset_size, args.trainset_size + args.valset_size, 1)))
    load_s = time.perf_counter() - t0
    train_loader = data.DataLoader(trainset, batch_size=args.train_batch_size, shuffle=True, num_workers=0)
    val_loader = data.DataLoader(valset, batch_size=args.val_batch_size, shuffle=False, num_workers=0)
    criterion = nn.BCELoss()
    nac_optimizer = optim.Adam(nac.parameters(), lr=args.nac_lr, betas=(0.5, 0.999), weight_decay=5e-4)

    # not upstream: verify the cells (touches no torch global RNG)
    check_split(database, dataset, args.seed, args.trainset_size)
    print(f"# database loaded in {load_s:.1f} s; split checked: upstream trains on full_split's "
          f"{args.trainset_size} cells and evaluates on the next {args.valset_size}", flush=True)

    if not a.verbose:
        logger.setLevel(logging.WARNING)
    t0 = time.perf_counter()
    eval_s, KTau = 0.0, None
    for epoch in range(1, max_epochs + 1):
        accuracy, loss = train(epoch=epoch, labeled_loader=train_loader, pseudo_set=None,
                               pseudo_ratio=args.pseudo_ratio,
                               nac=nac, criterion=criterion, optimizer=nac_optimizer)
        if a.train_py_evals and epoch % args.evaluate_nac_freq == 0:
            te = time.perf_counter()
            KTau = evaluate(epoch=epoch, loader=val_loader, nac=nac)
            eval_s += time.perf_counter() - te
    seconds = time.perf_counter() - t0 - eval_s
    logger.setLevel(logging.INFO)
    if KTau is None or max_epochs % args.evaluate_nac_freq:
        KTau = evaluate(epoch=max_epochs, loader=val_loader, nac=nac)
    print(f"original CTNAS NAC (commit {open(os.path.join(HERE, 'upstream/COMMIT')).read().strip()[:12]}), "
          f"{args.trainset_size} cells, {max_epochs} epochs, batch {args.train_batch_size}, "
          f"Adam lr {args.nac_lr}: training loop {seconds:.1f} s, final-epoch loss {loss:.4f} "
          f"(pair acc {accuracy:.4f}), {'with' if a.train_py_evals else 'without'} train.py's every-{args.evaluate_nac_freq}-epoch evaluate() ({eval_s:.1f} s, not counted), KTau {KTau:.4f} on the next {args.valset_size} "
          f"(NB101 split, seed {args.seed}, torch {torch.__version__}, "
          f"{torch.get_num_threads()} thread; {LABEL_NOTE})", flush=True)


# --------------------------------------------------------------------------
def cmd_search(a):
    out_dir = a.output or os.path.join(tempfile.mkdtemp(prefix="ctnas_original_search_"), "run")
    extra = ["--trainset_size", str(a.budget), "--output", out_dir]
    if a.pl_iters is not None:
        extra += ["--pl_iters", str(a.pl_iters)]
    if a.nac_epochs is not None:
        extra += ["--nac_epochs", str(a.nac_epochs)]
    args = import_upstream(upstream_argv(a, extra))  # creates out_dir (exist_ok=False)
    print_args(args)

    import core.dataset
    import core.engine.policy_learning as pl
    from core.dataset.seq2arch import seq2arch_fn

    # pass-through wrappers (see docstring)
    times = {}
    orig_from_file = core.dataset.NASBenchDataBase.from_file

    def timed_from_file(path):
        t = time.perf_counter()
        db = orig_from_file(path)
        times["load"] = (t, time.perf_counter())
        return db
    core.dataset.NASBenchDataBase.from_file = staticmethod(timed_from_file)

    derives = []
    orig_derive = pl.derive

    def recording_derive(iter_, controller, nac, n_derive, database, *rest, **kw):
        result = orig_derive(iter_, controller, nac, n_derive, database, *rest, **kw)
        arch = database.fetch_by_spec(seq2arch_fn(result[1][0]))
        derives.append((iter_, arch.test_accuracy, arch.rank, arch.hash_, time.perf_counter()))
        return result
    pl.derive = recording_derive

    orig_train_controller = pl.train_controller

    def timed_train_controller(*args_, **kw):
        times["nac_end"] = time.perf_counter()
        return orig_train_controller(*args_, **kw)
    pl.train_controller = timed_train_controller  # train.py imports it after this line

    t0 = time.perf_counter()
    runpy.run_path(os.path.join(UPSTREAM, "train.py"), run_name="__main__")
    t1 = time.perf_counter()

    n_query = args.trainset_size
    it, acc, rank, h, _ = derives[-1]
    load0, load1 = times["load"]
    print(f"original CTNAS search (train.py, nasbench, seed {args.seed}): wall {t1 - t0:.1f} s = "
          f"setup+database load {load1 - t0:.1f} s + NAC {args.nac_epochs} epochs (with its "
          f"every-{args.evaluate_nac_freq} evaluate/save) {times['nac_end'] - load1:.1f} s + controller "
          f"{args.pl_iters} iterations {t1 - times['nac_end']:.1f} s "
          f"({(t1 - times['nac_end']) / args.pl_iters * 1000:.1f} ms/iteration incl. the every-"
          f"{args.n_iteration_update_pseudoset} NAC re-training)", flush=True)
    print(f"final architecture (history best at the last derive, iteration {it}): {h} "
          f"test_acc_run0 {acc:.6f} ({acc * 100:.2f}%), rank {rank}/{NB101_CELLS}; "
          f"queries: {n_query} labelled training cells (+{args.valset_size} held-out cells used only "
          f"for the logged KTau); {LABEL_NOTE}", flush=True)
    print("history best per derive: " + ", ".join(
        f"it{i}:{ac * 100:.2f}%(rank {r})" for i, ac, r, _, _ in derives), flush=True)
    if a.output is None and not a.keep_output:
        shutil.rmtree(os.path.dirname(out_dir), ignore_errors=True)
    else:
        print(f"# upstream output (log.txt, checkpoints) kept in {out_dir}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name in ("nac", "search"):
        p = sub.add_parser(name)
        p.add_argument("--seed", type=int, default=2020)
        p.add_argument("--data", default=DEFAULT_JSON,
                       help="CTNAS-format nas_bench.json; written from the CSV if missing")
    sub.choices["nac"].add_argument("--epochs", type=int, default=1000)
    sub.choices["nac"].add_argument("--cells", type=int, default=423)
    sub.choices["nac"].add_argument("--verbose", action="store_true", help="keep per-epoch log lines")
    sub.choices["nac"].add_argument("--train-py-evals", action="store_true",
                                    help="also call evaluate() every evaluate_nac_freq (100) epochs as train.py "
                                         "does (time excluded from the loop seconds).  Each evaluate() iterates "
                                         "a DataLoader, which draws a base seed from torch's global RNG, so this "
                                         "reproduces train.py's random stream (and its NAC) exactly; without it "
                                         "the stream matches test/torch/nac_torch.py's train_paper")
    sub.choices["search"].add_argument("--budget", type=int, default=423,
                                       help="labelled training cells (train.py --trainset_size)")
    sub.choices["search"].add_argument("--pl-iters", type=int, default=None,
                                       help="controller iterations (default: upstream's 10000)")
    sub.choices["search"].add_argument("--nac-epochs", type=int, default=None,
                                       help="NAC epochs before the controller (default: upstream's 1000); "
                                            "only for smoke tests")
    sub.choices["search"].add_argument("--output", default=None,
                                       help="upstream --output dir (must not exist); default: a temp dir, removed")
    sub.choices["search"].add_argument("--keep-output", action="store_true")
    a = ap.parse_args()

    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    ensure_json(a.data)
    {"nac": cmd_nac, "search": cmd_search}[a.cmd](a)


if __name__ == "__main__":
    main()
