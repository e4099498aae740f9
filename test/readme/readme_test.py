#!/usr/bin/python3
"""Runs README.md as a new user would: every ```sql and ```sh block, in
document order, against the server of the environment (test/run_readme.sh
makes a throwaway one with pg_virtualenv).

  test/readme/readme_test.py README.md

Setup: as the environment's superuser, a plain role `nasuser` and a database
`nas` it owns.  Then, block by block:

  ```sql   runs in ONE psql session of nasuser (so SET, \\gset variables and
           ctnas.model carry from block to block, as in a user's psql), with
           ON_ERROR_STOP: an error fails the block;
  ```sh    runs with bash -e -o pipefail in the repository's top directory,
           with PGUSER=nasuser and PGDATABASE=nas (psql connects as nasuser);
  other fences (output, layout) are not run.

Directives, HTML comments on their own line before a block (several may
precede one block; a directive that no sql or sh block follows is an error):

  <!-- readme-test: superuser -->       run this sql block as the superuser,
                                        in database nas, in a session of its own
  <!-- readme-test: skip REASON -->     do not run it; the reason is printed
                                        (blocks needing ../shared, a server
                                        file, a preloaded library, ...)
  <!-- readme-test: expect TEXT -->     TEXT must occur both in the block itself
                                        (what the reader sees) and in what the
                                        block prints.  Whitespace runs match any
                                        whitespace; a number with d decimals
                                        matches a printed number that rounds to
                                        it at d decimals (0.2271 matches
                                        0.22714), an integer only itself.
  <!-- readme-test: timeout SECONDS --> the block's time limit (default 300)

README_TEST_VERBOSE=1 prints every block's output, not only a failing one's.
The output ends with a summary line:
  readme test: N blocks run, M skipped, F failed
and the exit status is 1 when a block failed (or a directive is malformed).
"""
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

ROLE = "nasuser"
DATABASE = "nas"
PASSWORD = "readme-test"
DEFAULT_TIMEOUT = 300.0
MARKER = "@@readme-test: block done@@"

FENCE = re.compile(r"^(```+)\s*([A-Za-z0-9_+-]*)\s*$")
DIRECTIVE = re.compile(r"^\s*<!--\s*readme-test:(.*?)-->\s*$")
NUMBER = r"-?\d+(?:\.\d+)?"
NUMBER_IN_TEXT = re.compile(r"(?<![\w.])" + NUMBER + r"(?![\w]|\.\d)")


class Block:
    def __init__(self, lang, line, text, directives):
        self.lang = lang
        self.line = line
        self.text = text
        self.superuser = False
        self.skip = None
        self.expects = []
        self.timeout = DEFAULT_TIMEOUT
        self.errors = []
        for d in directives:
            word, _, rest = d.partition(" ")
            rest = rest.strip()
            if word == "superuser" and not rest:
                self.superuser = True
            elif word == "skip" and rest:
                self.skip = rest[1:-1] if rest.startswith("(") and rest.endswith(")") else rest
            elif word == "expect" and rest:
                self.expects.append(rest)
            elif word == "timeout" and re.fullmatch(r"\d+(\.\d+)?", rest):
                self.timeout = float(rest)
            else:
                self.errors.append(f"malformed directive 'readme-test: {d}'")
        if self.superuser and lang != "sql":
            self.errors.append("'superuser' is for sql blocks")
        for e in self.expects:
            if squash(e) not in squash(text):
                self.errors.append(f"expected text {e!r} is not in the block: the reader must see what is checked")


def squash(s):
    return re.sub(r"\s+", " ", s).strip()


def parse(path):
    """The README's fenced blocks that directives or their language make runnable."""
    name = os.path.basename(path)
    blocks, problems = [], []
    pending = []
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    i = 0
    while i < len(lines):
        d = DIRECTIVE.match(lines[i])
        m = FENCE.match(lines[i])
        if d:
            pending.append((i + 1, d.group(1).strip()))
            i += 1
            continue
        if not m:
            i += 1
            continue
        fence, lang = m.group(1), m.group(2)
        start = i + 1
        j = start
        while j < len(lines) and lines[j].strip() != fence:
            j += 1
        text = "\n".join(lines[start:j])
        if lang in ("sql", "sh"):
            blocks.append(Block(lang, start, text, [p[1] for p in pending]))
        elif pending:
            problems.append(f"{name}:{pending[0][0]}: directive before a block that is neither sql nor sh (line {start})")
        pending = []
        i = j + 1
    for line, d in pending:
        problems.append(f"{name}:{line}: directive 'readme-test: {d}' with no block after it")
    return blocks, problems


def expect_pattern(text):
    """A regex for TEXT, numbers captured, and the expected numbers."""
    parts, numbers, pos = [], [], 0
    for m in NUMBER_IN_TEXT.finditer(text):
        parts.append(literal(text[pos:m.start()]))
        parts.append(r"(?<![\w.])(" + NUMBER + r"(?:[eE][-+]?\d+)?)(?![\d])")
        numbers.append(m.group(0))
        pos = m.end()
    parts.append(literal(text[pos:]))
    return re.compile("".join(parts)), numbers


def literal(s):
    return r"\s+".join(re.escape(w) for w in re.split(r"\s+", s)) if s.strip() else (r"\s+" if s else "")


def number_matches(expected, printed):
    try:
        value = float(printed)
    except ValueError:
        return False
    if "." not in expected:
        return value == int(expected)
    decimals = len(expected.split(".")[1])
    return abs(value - float(expected)) <= 0.5 * 10 ** -decimals + 1e-12


def find_expected(text, output):
    pattern, numbers = expect_pattern(text)
    pos = 0
    seen = []
    while True:
        m = pattern.search(output, pos)
        if not m:
            return False, seen
        if all(number_matches(e, p) for e, p in zip(numbers, m.groups())):
            return True, seen
        seen.append(m.group(0))
        pos = m.start() + 1


def unterminated(sql):
    """True when the block's last statement lacks its ';' (psql would keep it in its buffer, unrun)."""
    body = "\n".join(re.sub(r"--.*$", "", l) for l in sql.split("\n")).strip()
    if not body:
        return False
    last = body.split("\n")[-1].strip()
    return not (body.endswith(";") or last.startswith("\\") or re.search(r"\\g\w*\s*$", last))


class Session:
    """One psql session of the plain role, fed block by block."""

    def __init__(self, env):
        self.proc = subprocess.Popen(
            ["psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", DATABASE, "-U", ROLE],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            env=env, text=True, bufsize=1)
        self.lines = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def run(self, sql, timeout):
        """(ok, output, why)"""
        try:
            self.proc.stdin.write(sql + "\n\\echo '" + MARKER + "'\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            return False, "", "the psql session had ended"
        out = []
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                return False, "".join(out), f"no end after {timeout:.0f} s"
            if line is None:
                self.proc.wait()
                return False, "".join(out), f"psql stopped (exit {self.proc.returncode}): an error"
            if line.rstrip("\n") == MARKER:
                return True, "".join(out), ""
            out.append(line)

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("\\q\n")
                self.proc.stdin.flush()
            except BrokenPipeError:
                pass
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_command(args, env, timeout, stdin_text=None, cwd=None):
    """(ok, output, why); on timeout the command's whole process group is killed."""
    p = subprocess.Popen(args, stdin=subprocess.PIPE if stdin_text is not None else subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env, text=True,
                         cwd=cwd, start_new_session=True)
    try:
        out, _ = p.communicate(stdin_text, timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        out, _ = p.communicate()
        return False, out, f"no end after {timeout:.0f} s"
    return p.returncode == 0, out, "" if p.returncode == 0 else f"exit {p.returncode}"


def main():
    readme = sys.argv[1] if len(sys.argv) > 1 else "README.md"
    verbose = os.environ.get("README_TEST_VERBOSE") == "1"
    top = os.path.dirname(os.path.abspath(readme))
    blocks, problems = parse(readme)
    for p in problems:
        print("not ok - " + p)

    superuser_env = dict(os.environ)
    user_env = dict(os.environ, PGUSER=ROLE, PGDATABASE=DATABASE, PGPASSWORD=PASSWORD)
    ok, out, why = run_command(
        ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres"], superuser_env, 60,
        f"CREATE ROLE {ROLE} LOGIN PASSWORD '{PASSWORD}';\nCREATE DATABASE {DATABASE} OWNER {ROLE};\n")
    if not ok:
        print(out)
        print(f"readme test: setup failed ({why}): 0 blocks run, 0 skipped, 1 failed")
        return 1
    print(f"setup: role {ROLE} (plain, LOGIN) owns database {DATABASE}; "
          f"sql blocks run as {ROLE} in one psql session unless marked superuser")

    run = skipped = 0
    failed = len(problems)
    session = None
    for n, b in enumerate(blocks, 1):
        where = f"{os.path.basename(readme)}:{b.line} {b.lang}"
        if b.errors:
            failed += 1
            print(f"not ok {n} - {where}: " + "; ".join(b.errors))
            continue
        if b.skip:
            skipped += 1
            print(f"skip {n} - {where}: {b.skip}")
            continue
        if b.lang == "sql" and unterminated(b.text):
            failed += 1
            print(f"not ok {n} - {where}: the last statement has no ';' (psql would not run it)")
            continue
        t0 = time.monotonic()
        if b.lang == "sh":
            ok, out, why = run_command(["bash", "-e", "-o", "pipefail", "-c", b.text], user_env, b.timeout, cwd=top)
        elif b.superuser:
            ok, out, why = run_command(["psql", "-X", "-v", "ON_ERROR_STOP=1", "-d", DATABASE],
                                       superuser_env, b.timeout, b.text)
        else:
            if session is None:
                session = Session(user_env)
            ok, out, why = session.run(b.text, b.timeout)
            if not ok:
                session.close()
                session = None  # the next sql block gets a new session
        seconds = time.monotonic() - t0
        missing = []
        if ok:
            for e in b.expects:
                found, near = find_expected(e, out)
                if not found:
                    missing.append(f"expected {e!r} not printed" + (f" (printed: {near[0]!r})" if near else ""))
        run += 1
        if ok and not missing:
            detail = f", {len(b.expects)} expectation{'s' if len(b.expects) != 1 else ''} met" if b.expects else ""
            print(f"ok {n} - {where} ({seconds:.1f} s{detail})")
            if verbose:
                print("\n".join("  > " + l for l in out.rstrip("\n").split("\n")))
        else:
            failed += 1
            print(f"not ok {n} - {where} ({seconds:.1f} s): " + "; ".join(([why] if why else []) + missing))
            print("  --- block ---")
            print("\n".join("  | " + l for l in b.text.split("\n")))
            print("  --- output (last 60 lines) ---")
            print("\n".join("  > " + l for l in out.rstrip("\n").split("\n")[-60:]))
            if not ok and b.lang == "sql" and not b.superuser:
                print("  (later sql blocks run in a new session; failures after this one may follow from it)")
    if session is not None:
        session.close()
    print(f"readme test: {run} blocks run, {skipped} skipped, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
