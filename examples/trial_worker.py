#!/usr/bin/python3
"""A training machine for ctnas searches with "evaluator": "external".

A search job submitted with

    SELECT ctnas.search_submit(NULL, 100, '{"evaluator": "external", "space": "nb201"}');

proposes architectures as trials (rows of ctnas.search_trials) and waits
for their accuracies.  This program is the other side: it claims a trial,
trains the architecture, reports the accuracy and commits, in a loop:

    trial_claim(worker [, job])  ->  train(arch)  ->  trial_report(trial, acc, info)
                                                 or  trial_fail(trial, reason, worker)

Replace train() below with your own training.  Start as many of these as
you have GPUs (--processes N), on as many machines as you like: claims never
hand the same trial to two workers (FOR UPDATE SKIP LOCKED).  A worker that
dies keeps its trial until the job's lease ("lease" option, else the setting
ctnas.trial_lease, default 1 hour) expires; then another worker gets it.

Connection: a libpq conninfo as the first argument ("host=db user=gpu07
dbname=nas", or a postgresql:// URI), else the PG* environment variables
(PGHOST, PGPORT, PGUSER, PGDATABASE, PGPASSWORD or ~/.pgpass).  The role
sees, claims and reports the trials of its own jobs and those of the roles
it is a member of: give each machine a login role that is a member of the
role that submits the searches.

Examples:

    # answer from a benchmark table (a test of the whole loop without a GPU)
    trial_worker.py "dbname=nas" --lookup nb201 --acc-column v11_c10_test_acc_ep200_mean --exit-when-idle
    # 4 processes on this machine, only job 17, each "training" 60 s
    trial_worker.py --job 17 --processes 4 --lookup nb201 --acc-column v11_c10_test_acc_ep200_mean --sleep 60

Output: one line per trial (claimed trial, job, outcome, seconds).
SIGTERM or Ctrl-C: a worker that is training abandons its trial (just
exits: the lease offers the trial again later); one that is idle exits.
Exit status 0, or 1 after an error that ends the worker (an unknown job, a
lost connection that does not come back).

Needs psycopg2 (Debian: python3-psycopg2).
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import time

import psycopg2
import psycopg2.errors
import psycopg2.extras
from psycopg2 import sql


# ---------------------------------------------------------------------------
# The training step: REPLACE THIS with your own.
#
# It gets the architecture as ctnas prints it (NAS-Bench-201: the benchmark's
# string |op~0|+|op~0|op~1|+...; NAS-Bench-101: {"matrix": ..., "ops": ...})
# and returns (accuracy, info): the accuracy (a finite number; the search
# maximises it) and a dict stored with the report (epochs, wall time, ...).
# Raise TrainingFailed(reason) when the architecture could not be trained
# (out of memory, diverged): the trial is given back and retried, up to the
# job's max_attempts claims, then it fails and the search proposes another.
# Any other exception is treated alike, with its text as the reason.
# With --processes N, process i (0..N-1) has CTNAS_WORKER_INDEX=i in its
# environment: pick its GPU with it (CUDA_VISIBLE_DEVICES, torch.device).
# ---------------------------------------------------------------------------
class TrainingFailed(Exception):
    pass


def train(arch, ctx):
    """Simulated training: the accuracy from a benchmark table (--lookup).

    ctx is the Worker: ctx.args (the command line), ctx.worker (this
    worker's name), ctx.sleep, ctx.lookup_acc(arch)."""
    if ctx.sleep > 0:
        time.sleep(ctx.sleep)                        # the "training time"
    if ctx.lookup is None:
        raise TrainingFailed("no training configured: replace train() or give --lookup TABLE")
    acc = ctx.lookup_acc(arch)
    if acc is None:
        raise TrainingFailed(f"not in {ctx.args.lookup}")
    return acc, {"source": ctx.args.lookup, "worker": ctx.worker}


# ---------------------------------------------------------------------------
# The loop around it.
# ---------------------------------------------------------------------------
class Stop(BaseException):
    """Raised by the SIGTERM/SIGINT handler while training or sleeping."""


class Worker:
    ENDED = ("succeeded", "failed", "cancelled")

    def __init__(self, args):
        self.args = args
        self.worker = args.worker or f"{socket.gethostname()}-{os.getpid()}"
        self.sleep = args.sleep
        self.lookup = args.lookup
        self.conn = None
        self.claims = 0
        self.stopping = False
        self.interruptible = False       # True while training or sleeping: a signal stops at once

    # -- signals: abandon the trial being trained (its lease re-offers it), or stop when idle
    def on_signal(self, signum, frame):
        self.stopping = True
        if self.interruptible:
            raise Stop()

    def pause(self, seconds):
        self.interruptible = True
        try:
            if not self.stopping:
                time.sleep(seconds)
        finally:
            self.interruptible = False

    def say(self, text):
        print(f"{self.worker}: {text}", flush=True)

    # -- the connection: every step is its own committed transaction
    def connect(self):
        """Connects, retrying for a minute (a server restarting, a network hiccup)."""
        deadline = time.monotonic() + 60
        while True:
            try:
                self.conn = psycopg2.connect(self.args.conninfo, application_name="ctnas trial worker")
                return
            except psycopg2.OperationalError as e:
                if time.monotonic() > deadline:
                    raise
                self.say(f"cannot connect ({str(e).strip().splitlines()[0]}); retrying")
                self.pause(1.0)

    def run_sql(self, query, params=()):
        """One statement in its own transaction, committed; returns its rows.
        A lost connection is made again (the statement is then run again)."""
        for attempt in (1, 2):
            if self.conn is None or self.conn.closed:
                self.connect()
            try:
                with self.conn.cursor() as cur:
                    cur.execute(query, params)
                    rows = cur.fetchall() if cur.description is not None else []
                self.conn.commit()
                return rows
            except (psycopg2.OperationalError, psycopg2.InterfaceError) as e:
                if not self.conn.closed:          # an error of the statement, not of the connection
                    self.conn.rollback()
                    raise
                if attempt == 2:
                    raise
                self.say(f"connection lost ({str(e).strip()}); reconnecting")
                try:
                    self.conn.close()
                except Exception:
                    pass
                self.conn = None
            except psycopg2.Error:
                self.conn.rollback()
                raise

    def lookup_acc(self, arch):
        was, self.interruptible = self.interruptible, False     # (a signal does not cut a query short)
        try:
            rows = self.run_sql(self.lookup_query, (arch,))
        finally:
            self.interruptible = was
        return None if not rows or rows[0][0] is None else float(rows[0][0])

    def idle_is_over(self):
        """--exit-when-idle: nothing to claim, and nothing that will propose more."""
        if self.args.job is not None:
            rows = self.run_sql("SELECT status FROM ctnas.search_jobs WHERE id = %s", (self.args.job,))
            return not rows or rows[0][0] in self.ENDED
        rows = self.run_sql("SELECT count(*) FROM ctnas.search_jobs WHERE status IN ('queued', 'running', 'waiting')"
                            " AND options->>'evaluator' = 'external'")
        return rows[0][0] == 0

    def run(self):
        a = self.args
        if a.lookup is not None:
            self.lookup_query = sql.SQL("SELECT {} FROM {} WHERE {} = %s LIMIT 1").format(
                sql.Identifier(a.acc_column), sql.Identifier(*a.lookup.split(".")), sql.Identifier(a.arch_column))
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        done = failed = 0
        try:
            self.connect()
            self.say("started" + (f" (job {a.job})" if a.job is not None else ""))
            while not self.stopping:
                # 1. claim (committed at once: the trial is ours for the job's lease)
                try:
                    rows = self.run_sql("SELECT trial, job, arch::text FROM ctnas.trial_claim(%s, %s)", (self.worker, a.job))
                except psycopg2.errors.UndefinedObject as e:
                    self.say(f"error: {e.pgerror.strip() if e.pgerror else e}")
                    return 1
                if not rows:
                    if a.exit_when_idle and self.idle_is_over():
                        break
                    self.pause(a.poll)
                    continue
                trial, job, arch = rows[0]
                self.claims += 1
                t0 = time.monotonic()
                # 2. train (a signal here abandons the trial: we just leave, its lease re-offers it)
                try:
                    self.interruptible = True
                    if self.stopping:                  # (the signal came during the claim)
                        raise Stop()
                    if a.fail_every > 0 and self.claims % a.fail_every == 0:
                        raise TrainingFailed(f"simulated failure (--fail-every {a.fail_every})")
                    acc, info = train(arch, self)
                    self.interruptible = False
                    outcome = ("report", acc, info)
                except Stop:
                    self.interruptible = False
                    self.say(f"trial {trial} job {job} abandoned (signal); its lease will re-offer it")
                    break
                except Exception as e:            # TrainingFailed, or the user's training raised
                    self.interruptible = False
                    outcome = ("fail", str(e) or type(e).__name__, None)
                seconds = time.monotonic() - t0
                # 3. report or fail (committed); an error here is about this trial only
                try:
                    if outcome[0] == "report":
                        self.run_sql("SELECT ctnas.trial_report(%s, %s, %s::jsonb)",
                                     (trial, outcome[1], psycopg2.extras.Json(outcome[2])))
                        done += 1
                        self.say(f"trial {trial} job {job} done acc {outcome[1]!r} ({seconds:.1f} s)")
                    else:
                        status = self.run_sql("SELECT ctnas.trial_fail(%s, %s, %s)", (trial, outcome[1], self.worker))[0][0]
                        failed += 1
                        self.say(f"trial {trial} job {job} failed: {outcome[1]} -> {status} ({seconds:.1f} s)")
                except psycopg2.Error as e:
                    # already reported by another worker after our lease expired, or the job was cancelled
                    self.say(f"trial {trial} job {job} not recorded: {(e.pgerror or str(e)).strip().splitlines()[0]}")
        except Stop:
            pass
        finally:
            if self.conn is not None and not self.conn.closed:
                self.conn.close()
        self.say(f"exiting: {done} reported, {failed} failed")
        return 0


def run_processes(args):
    """--processes N: N copies of this program, each its own worker (NAME-1 .. NAME-N) and
    connection, with CTNAS_WORKER_INDEX 0 .. N-1; SIGTERM and SIGINT are passed on to them."""
    argv = [sys.executable, os.path.abspath(__file__)]
    skip = False
    for x in sys.argv[1:]:
        if skip:
            skip = False
            continue
        if x in ("--processes", "--worker"):
            skip = True
            continue
        if x.startswith("--processes=") or x.startswith("--worker="):
            continue
        argv.append(x)
    base = args.worker or socket.gethostname()
    children = [subprocess.Popen(argv + ["--worker", f"{base}-{i + 1}"], env=dict(os.environ, CTNAS_WORKER_INDEX=str(i)))
                for i in range(args.processes)]

    def forward(signum, frame):
        for c in children:
            if c.poll() is None:
                c.send_signal(signum)
    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return max(c.wait() for c in children)


def main():
    p = argparse.ArgumentParser(description="Claims, trains and reports the trials of ctnas searches with "
                                "\"evaluator\": \"external\".", epilog="See the top of this file.")
    p.add_argument("conninfo", nargs="?", default="", help="libpq connection string or URI (default: the PG* environment)")
    p.add_argument("--job", type=int, help="only this job's trials (and with --exit-when-idle: exit when it has ended)")
    p.add_argument("--worker", help="this worker's name in search_trials.worker (default: hostname-pid)")
    p.add_argument("--lookup", metavar="TABLE", help="\"train\" by looking the accuracy up in this table (or view)")
    p.add_argument("--arch-column", default="arch", help="the lookup table's architecture column (default arch)")
    p.add_argument("--acc-column", default="acc", help="the lookup table's accuracy column (default acc)")
    p.add_argument("--sleep", type=float, default=0.0, metavar="SECONDS", help="simulated training time per trial")
    p.add_argument("--fail-every", type=int, default=0, metavar="K", help="testing: fail every K-th claim")
    p.add_argument("--exit-when-idle", action="store_true",
                   help="exit when there is nothing to claim and no external job is queued, running or waiting "
                        "(with --job: when that job has ended)")
    p.add_argument("--poll", type=float, default=1.0, metavar="SECONDS", help="sleep when there is nothing to claim (default 1)")
    p.add_argument("--processes", type=int, default=1, metavar="N", help="start N worker processes (default 1)")
    args = p.parse_args()
    if args.processes < 1 or args.poll <= 0 or args.sleep < 0 or args.fail_every < 0:
        p.error("--processes must be at least 1, --poll positive, --sleep and --fail-every not negative")
    if args.processes > 1:
        return run_processes(args)
    return Worker(args).run()


if __name__ == "__main__":
    sys.exit(main())
