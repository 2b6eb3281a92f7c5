"""Time asynclint against flake8-async and ruff, on this machine, in one run.

    pip install -e '.[bench]'          # flake8-async and ruff
    python benchmarks/run.py           # every scenario, 5 alternating runs each
    python benchmarks/run.py --runs 7 --scenario django-cold --scenario precommit

Scenarios (all in a temporary folder, removed afterwards unless --keep):

- ``django-*``: the installed Django package's source, copied (discovery is not
  confused by site-packages), with an empty ``[tool.asynclint]`` table so it is
  one project;
- ``fixtures-*``: asynclint's fixtures tree copied ``--copies`` times (a
  mid-size project);
- ``precommit``: one file passed on the command line in the Django tree, the
  file just edited, the cache warm from an earlier full run (what a pre-commit
  hook does).

``cold`` is ``asynclint check --no-cache``; ``warm`` has the cache of an earlier
run and nothing changed; ``warm-1`` has one file edited before every run
(a different comment appended each time, so it is always a real change);
``warm-1-def`` appends a new function instead, a change to the module's
definitions that every importer of it must see.

The tools run round robin (A, B, C, A, B, C, ...) so that load from other
processes on the machine hits them alike; the table gives medians of wall time
and CPU time (user + sys of the process and its workers) and the peak memory
of the whole process tree (PSS, sampled every 20 ms for the first half second,
then every 250 ms: sampling more often slows what it measures; every worker
counted, shared pages once).

asynclint runs from a snapshot of ``src/asynclint`` taken at start (later edits
to the working tree do not change what is measured). flake8 runs without
asynclint's own flake8 plugin (``flake8_without_asynclint.py``): flake8 runs
every installed plugin whatever ``--select`` says.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PY = sys.executable
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096

#: the file edited in the warm-1 and pre-commit scenarios (relative to the Django tree)
EDITED = "django/views/generic/base.py"


@dataclass
class Sample:
    wall: float
    cpu: float
    rss_mb: float
    code: int


@dataclass
class Tool:
    name: str
    argv: list[str]
    before: object = None  # callable run before each timed run (not timed)
    samples: list[Sample] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(s, attr) for s in self.samples)


def _memory(pid: int) -> int:
    """Proportional set size of one process (shared pages split between their users,
    so forked workers are not counted twice); resident size where PSS is unavailable."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    with open(f"/proc/{pid}/statm") as f:
        return int(f.read().split()[1]) * PAGE


def _tree_rss(pid: int) -> int:
    """Memory of ``pid`` and all its descendants, in bytes (Linux /proc)."""
    total = 0
    stack = [pid]
    seen = set()
    while stack:
        current = stack.pop()
        if current in seen:
            continue
        seen.add(current)
        try:
            total += _memory(current)
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as f:
                    stack.extend(int(c) for c in f.read().split())
        except (OSError, ValueError):
            continue
    return total


def measure(argv: list[str], cwd: Path, env: dict[str, str]) -> Sample:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        # Reading a process's PSS walks its page tables: every 20 ms that slowed a
        # 4-second run of two 250 MB processes by 15%. Often at first (short runs),
        # then every quarter second (a long run's peak lasts longer than that).
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(0.02 if time.perf_counter() - start < 0.5 else 0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    if Path("/proc").is_dir():
        sampler.start()
    code = proc.wait()
    wall = time.perf_counter() - start
    done.set()
    if sampler.is_alive():
        sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if not peak:  # no /proc: the largest single process (ru_maxrss is in KB on Linux)
        peak = after.ru_maxrss * 1024
    return Sample(wall, cpu, peak / 2**20, code)


def round_robin(tools: list[Tool], runs: int, cwd: Path, env: dict[str, str], slow: dict[str, int]) -> None:
    for round_ in range(max(runs, *slow.values()) if slow else runs):
        for tool in tools:
            if round_ >= slow.get(tool.name, runs):
                continue
            if tool.before is not None:
                tool.before()
            sample = measure(tool.argv, cwd, env)
            tool.samples.append(sample)
            print(f"  {tool.name:<28} run {round_ + 1}: {sample.wall:7.3f} s wall {sample.cpu:7.3f} s cpu "
                  f"{sample.rss_mb:6.0f} MB (exit {sample.code})", file=sys.stderr, flush=True)


# -- the trees ------------------------------------------------------------------------------

def snapshot(work: Path) -> Path:
    """asynclint's source as it is now, compiled to bytecode as an installed package is."""
    import compileall

    target = work / "snapshot"
    shutil.copytree(REPO / "src" / "asynclint", target / "asynclint",
                    ignore=shutil.ignore_patterns("__pycache__"))
    compileall.compile_dir(target, quiet=1)
    return target


def django_tree(work: Path) -> Path:
    import django

    root = work / "django-tree"
    shutil.copytree(Path(django.__file__).parent, root / "django",
                    ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    (root / "pyproject.toml").write_text("[tool.asynclint]\n", encoding="utf-8")
    return root


def fixtures_tree(work: Path, copies: int) -> Path:
    root = work / "fixtures-tree"
    src = []
    for n in range(copies):
        name = f"c{n:02d}"
        shutil.copytree(REPO / "fixtures", root / name,
                        ignore=shutil.ignore_patterns("__pycache__", ".asynclint_cache"))
        (root / name / "pyproject.toml").unlink(missing_ok=True)
        src += [f"{name}/demo_project", f"{name}/rules"]
    (root / "pyproject.toml").write_text(
        "[tool.asynclint]\nsrc = [" + ", ".join(f'"{s}"' for s in src) + "]\n", encoding="utf-8")
    return root


class Editor:
    """Appends a new comment line to a file: a real content change every time, one that
    changes nothing other files learn from it (the common edit: a body, a comment).
    With ``define``, appends a new function instead: the module's definitions change,
    so every file that imports it is checked again."""

    def __init__(self, path: Path, define: bool = False) -> None:
        self.path = path
        self.original = path.read_bytes()
        self.count = 0
        self.define = define

    def __call__(self) -> None:
        self.count += 1
        added = (f"\n\ndef _benchmark_edit_{self.count}():\n    return {self.count}\n" if self.define
                 else f"\n# benchmark edit {self.count}\n")
        self.path.write_bytes(self.original + added.encode())

    def restore(self) -> None:
        self.path.write_bytes(self.original)


# -- scenarios --------------------------------------------------------------------------------

def asynclint(*args: str) -> list[str]:
    return [PY, "-m", "asynclint", "check", "--exit-zero", *args]


def flake8(*args: str) -> list[str]:
    return [PY, str(HERE / "flake8_without_asynclint.py"), "--select", "ASYNC", *args]


def ruff(*args: str) -> list[str]:
    return [str(Path(PY).parent / "ruff"), "check", "--no-cache", "--exit-zero", "--select", "ASYNC", *args]


ALL_SCENARIOS = ["django-warm", "django-warm-1", "django-warm-1-def", "precommit", "fixtures-warm", "fixtures-cold",
                 "django-cold"]


def scenarios(args, work: Path) -> dict[str, tuple[Path, list[Tool], dict[str, int]]]:
    chosen = set(args.scenario or ALL_SCENARIOS)
    out = {}
    if chosen & {"django-cold", "django-warm", "django-warm-1", "django-warm-1-def", "precommit"}:
        dj = django_tree(work)
        editor = Editor(dj / EDITED)
        slow = {"flake8 --select ASYNC": args.slow_runs} if args.slow_runs else {}
        if "django-cold" in chosen:
            out["django-cold"] = (dj, [Tool("asynclint --no-cache", asynclint("--no-cache", "django")),
                                       Tool("flake8 --select ASYNC", flake8("django")),
                                       Tool("ruff --no-cache", ruff("django"))], slow)
        if "django-warm" in chosen:
            out["django-warm"] = (dj, [Tool("asynclint (warm)", asynclint("django")),
                                       Tool("ruff --no-cache", ruff("django"))], {})
        if "django-warm-1" in chosen:
            out["django-warm-1"] = (dj, [Tool("asynclint (warm, 1 edited)", asynclint("django"), before=editor),
                                         Tool("ruff --no-cache", ruff("django"))], {})
        if "django-warm-1-def" in chosen:
            definer = Editor(dj / EDITED, define=True)
            out["django-warm-1-def"] = (dj, [Tool("asynclint (warm, 1 edited: a new function)", asynclint("django"),
                                                  before=definer),
                                             Tool("ruff --no-cache", ruff("django"))], {})
        if "precommit" in chosen:
            out["precommit"] = (dj, [Tool("asynclint FILE (warm, edited)", asynclint(EDITED), before=editor),
                                     Tool("flake8 --select ASYNC FILE", flake8(EDITED)),
                                     Tool("ruff --no-cache FILE", ruff(EDITED))], {})
    if chosen & {"fixtures-cold", "fixtures-warm"}:
        fx = fixtures_tree(work, args.copies)
        if "fixtures-cold" in chosen:
            out["fixtures-cold"] = (fx, [Tool("asynclint --no-cache", asynclint("--no-cache", ".")),
                                         Tool("flake8 --select ASYNC", flake8(".")),
                                         Tool("ruff --no-cache", ruff("."))], {})
        if "fixtures-warm" in chosen:
            out["fixtures-warm"] = (fx, [Tool("asynclint (warm)", asynclint(".")),
                                         Tool("ruff --no-cache", ruff("."))], {})
    return {name: out[name] for name in ALL_SCENARIOS if name in out}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs of each tool per scenario (default 5)")
    parser.add_argument("--slow-runs", type=int, default=0,
                        help="runs of flake8 on Django (minutes each); default: --runs")
    parser.add_argument("--copies", type=int, default=5, help="copies of the fixtures tree (default 5)")
    parser.add_argument("--scenario", action="append", choices=ALL_SCENARIOS)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if not (Path(PY).parent / "ruff").exists():
        print("ruff and flake8-async are missing: pip install -e '.[bench]'", file=sys.stderr)
        return 2

    work = Path(tempfile.mkdtemp(prefix="asynclint-bench-"))
    env = dict(os.environ, PYTHONPATH=str(snapshot(work)))
    rows = []
    try:
        for name, (cwd, tools, slow) in scenarios(args, work).items():
            print(f"{name} ({cwd.name})", file=sys.stderr, flush=True)
            if "warm" in name or name == "precommit":
                # bring the cache up to date with the tree (not timed; cold only the first time)
                subprocess.run(asynclint("."), cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
            round_robin(tools, args.runs, cwd, env, slow)
            for tool in tools:
                if tool.before is not None and hasattr(tool.before, "restore"):
                    tool.before.restore()
            base = tools[0]
            for tool in tools:
                rows.append((name, tool.name, len(tool.samples), tool.median("wall"), tool.median("cpu"),
                             max(s.rss_mb for s in tool.samples),
                             tool.median("wall") / base.median("wall")))
    finally:
        if args.keep:
            print(f"kept {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)

    print(f"\nasynclint benchmark: {time.strftime('%Y-%m-%d %H:%M')} · Python {sys.version.split()[0]} · "
          f"{os.cpu_count()} cores · load average {os.getloadavg()[0]:.1f}\n")
    print("| scenario | tool | runs | wall (median) | CPU (median) | peak memory | wall vs asynclint |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for name, tool, n, wall, cpu, rss, ratio in rows:
        print(f"| {name} | {tool} | {n} | {wall:.3f} s | {cpu:.3f} s | {rss:.0f} MB | {ratio:.2f}x |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
