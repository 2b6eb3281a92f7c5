"""Checking many files: from the cache, then serially or across processes.

``lint_many`` gives every file's findings in the order of ``paths``, the same
whichever way they were computed (``tests/test_speed_equivalence.py``):

1. with a cache, files whose content and dependencies are unchanged take their
   cached findings (no libcst import, no parse);
2. the rest are linted in this process (one file, ``--jobs 1``, or too few files
   to pay for workers), or by ``min(jobs, ceil(files / 4))`` worker processes.
   As LibCST's codemod CLI does, each worker is set up once by the pool
   initializer (the settings and the project index are handed over once, the
   rules and the parser are imported before the first file; the models scan
   every worker needs is built before they fork), then takes chunks
   of neighbouring files, so modules of one package share a worker's index and
   summaries;
3. fresh results and the files their analysis read are written to the cache.

A worker that dies (killed, out of memory) does not lose the run: what it had
not finished is linted in this process.
"""

from __future__ import annotations

import gc
import math
import os
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from asynclint.cache import Cache
    from asynclint.diagnostics import Diagnostic
    from asynclint.project import Project

#: files per worker below which a worker is not worth its start-up
FILES_PER_WORKER = 4

_PROJECT: "Project | None" = None
_RECORD = False
#: files checked in this process since the last cyclic garbage collection (see paused_gc)
_CHECKED = 0
#: how many files between two collections while the collector is paused
COLLECT_EVERY = 2000


@contextmanager
def paused_gc(restore: bool = True):
    """Run with Python's cyclic garbage collector paused.

    A run keeps a million objects alive (the index, summaries, parse trees) and
    allocates many more, so the collector's automatic passes, each scanning what
    is alive, took about 40% of a cold run's CPU on Django's tree. Almost nothing
    a run frees is cyclic (reference counting frees it): 48,000 objects of cyclic
    garbage over that whole run. So the collector is paused, and run by hand
    every :data:`COLLECT_EVERY` files to bound what cycles could hold.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled and restore:  # (``restore=False``: the process ends next)
            gc.enable()


def _count_checked() -> None:
    global _CHECKED
    _CHECKED += 1
    if _CHECKED >= COLLECT_EVERY and not gc.isenabled():
        _CHECKED = 0
        gc.collect()


def default_jobs() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def lint_one(path: Path, project: "Project", record: bool) -> "tuple[list[Diagnostic], dict | None]":
    """One file's findings and, when ``record``, what its analysis read, as
    ``token -> (content digest, digest)`` (see :meth:`Project.dep_digests`)."""
    from asynclint.engine import lint_path_guarded

    _count_checked()
    if not record:
        return lint_path_guarded(path, project), None
    recorder = project.index.recorder
    scope = recorder.push()
    try:
        diagnostics = lint_path_guarded(path, project)
    finally:
        deps = recorder.pop(scope)
    try:
        return diagnostics, project.dep_digests(deps - {str(path)})
    except Exception:  # noqa: BLE001 - what it read cannot be told: not cached
        return diagnostics, None


def _init(project: "Project", record: bool) -> None:
    global _PROJECT, _RECORD
    from asynclint.engine import enabled_rules, parse, report_codes

    _PROJECT = project  # forked: the parent's, with what _prewarm built (else a pickled copy)
    _RECORD = record
    gc.disable()  # as in the parent (see paused_gc); a worker lives for one run
    settings = project.settings
    project.prefilter(enabled_rules(settings), report_codes(settings))  # imports every rule module
    parse("async def warm():\n    await x\n")  # loads the native parser


def _work(chunk: list[Path]) -> tuple[list, dict, list]:
    assert _PROJECT is not None
    done = [(path, *lint_one(path, _PROJECT, _RECORD)) for path in chunk]
    if not _RECORD:
        return done, {}, []
    return done, _scan_states(_PROJECT), _summaries_to_keep(_PROJECT)


def _summaries_to_keep(project: "Project") -> list:
    try:
        return project.summaries_to_keep()
    except Exception:  # noqa: BLE001 - what cannot be told is not kept
        return []


def _scan_states(project: "Project") -> dict:
    try:
        return project.scan_states()
    except Exception:  # noqa: BLE001 - a state that cannot be told is not kept
        return {}


def workers_for(files: int, jobs: int) -> int:
    return max(1, min(jobs, math.ceil(files / FILES_PER_WORKER)))


def _run(paths: list[Path], project: "Project", jobs: int, record: bool, states: dict,
         summaries: list | None = None) -> list:
    """(path, findings, dependencies) of every path, in order; the whole-project scans
    computed on the way go to ``states`` (the latest state of each), and the helper
    summaries workers computed to ``summaries`` (for the parent's cache)."""
    if not paths:
        return []
    workers = workers_for(len(paths), jobs)
    if workers <= 1:
        done = [(path, *lint_one(path, project, record)) for path in paths]
        if record:
            states.update(_scan_states(project))
        return done
    from concurrent.futures import ProcessPoolExecutor
    from concurrent.futures.process import BrokenProcessPool

    import asynclint.engine  # noqa: F401  (imported once here, inherited by forked workers)

    _prewarm(project)

    size = max(1, math.ceil(len(paths) / (workers * 4)))
    chunks = [paths[i:i + size] for i in range(0, len(paths), size)]
    done: list = []
    try:
        with ProcessPoolExecutor(workers, initializer=_init, initargs=(project, record)) as pool:
            for part, computed, kept in pool.map(_work, chunks):
                done.extend(part)
                _merge_states(states, computed)
                if summaries is not None:
                    summaries.extend(kept)
    except (BrokenProcessPool, OSError, RuntimeError):
        pass  # finish below, in this process
    if len(done) < len(paths):
        done.extend((path, *lint_one(path, project, record)) for path in paths[len(done):])
        if record:
            _merge_states(states, _scan_states(project))
            if summaries is not None:
                summaries.extend(_summaries_to_keep(project))
    return done


def _prewarm(project: "Project") -> None:
    """Build, once and before the workers fork, what each of them would otherwise build
    for itself: the prefilter (it reads every file) and the models scan (nearly every
    file asks for a model's relations)."""
    from asynclint.engine import enabled_rules, report_codes

    recorder = project.index.recorder
    outer = recorder.isolate()  # what it reads belongs to the scan, not to a file
    try:
        project.prefilter(enabled_rules(project.settings), report_codes(project.settings))
        project.index.scan_models()
    except Exception:  # noqa: BLE001 - the workers will meet the same problem, one file at a time
        pass
    finally:
        recorder.restore(outer)


def _merge_states(states: dict, computed: dict) -> None:
    """Scans computed by several workers: the same candidates, and what any of them read."""
    from asynclint.deps import merge_scan_state

    for name, state in computed.items():
        states[name] = merge_scan_state(states.get(name), state)


def lint_many(paths: list[Path], project: "Project", *, jobs: int | None = None,
              cache: "Cache | None" = None) -> "list[tuple[Path, list[Diagnostic]]]":
    """(path, findings) for every path, in order (see the module docs)."""
    with paused_gc():
        return _lint_many(paths, project, jobs, cache)


def _lint_many(paths: list[Path], project: "Project", jobs: int | None,
               cache: "Cache | None") -> "list[tuple[Path, list[Diagnostic]]]":
    jobs = default_jobs() if jobs is None else max(1, jobs)
    found: dict[Path, list] = {}
    todo = paths
    if cache is not None:
        cache.use_project(project)
        for path in paths:
            hit = cache.lookup(path, project)
            if hit is not None:
                found[path] = hit
        todo = [p for p in paths if p not in found]
    if cache is not None and workers_for(len(todo), jobs) <= 1:
        # one process: helpers' summaries come from (and go to) the cache too
        project.summary_cache = cache.summaries
    states: dict = {}
    summaries: list = []
    for path, diagnostics, deps in _run(todo, project, jobs, cache is not None, states, summaries):
        found[path] = diagnostics
        if cache is not None:
            cache.store(path, diagnostics, deps)
    if cache is not None:
        cache.merge_scans(states)
        cache.summaries.keep(summaries)
        cache.save()
    return [(path, found[path]) for path in paths]


__all__ = ["default_jobs", "lint_many", "lint_one", "paused_gc", "workers_for"]
