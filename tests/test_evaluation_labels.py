"""The evaluation corpus labels are proven by Django's runtime (evaluation/runtime_check.py).

Each corpus project runs in its own subprocess with its own settings: every
labelled pitfall must show its family's symptom at its line, and nothing else
may show any symptom.  The scorer's matching rule is tested on synthetic
findings so it cannot drift.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "evaluation"


def _load(name):
    spec = importlib.util.spec_from_file_location(f"evaluation_{name}", EVAL / f"{name}.py")
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    sys.path.insert(0, str(EVAL))
    try:
        spec.loader.exec_module(mod)
    finally:
        sys.path.remove(str(EVAL))
    return mod


labels_mod = _load("labels")
runtime_check = _load("runtime_check")
score_mod = _load("score")

PROJECTS = runtime_check.projects()
MAX_MANUAL_SHARE = 0.05


def test_every_project_has_a_scenario_and_labels():
    corpus_projects = sorted(p.name for p in labels_mod.CORPUS.iterdir() if p.is_dir() and (p / "manage.py").exists())
    assert corpus_projects == PROJECTS
    labels = labels_mod.read_labels()
    for project in PROJECTS:
        assert any(l.rel.startswith(project + "/") for l in labels), project
    assert len(labels) >= 120
    assert {l.family for l in labels} == set(labels_mod.FAMILIES)


def test_manual_labels_are_few():
    labels = labels_mod.read_labels()
    manual = [l for l in labels if l.manual]
    assert len(manual) <= MAX_MANUAL_SHARE * len(labels), [f"{l.rel}:{l.line}" for l in manual]


def test_malformed_label_is_an_error(tmp_path):
    (tmp_path / "m.py").write_text("x = 1  # PITFALL: DJA9 no such family\n")
    with pytest.raises(ValueError):
        labels_mod.read_labels(tmp_path)
    (tmp_path / "m.py").write_text("x = 1  # PITFALL DJA1 missing colon\n")
    with pytest.raises(ValueError):
        labels_mod.read_labels(tmp_path)


def test_score_matches_line_and_family(monkeypatch, tmp_path):
    proj = tmp_path / "p"
    proj.mkdir()
    src = proj / "views.py"
    src.write_text(
        "async def v(request):\n"
        "    a = qs.count()  # PITFALL: DJA1 count\n"
        "    helper()  # PITFALL: DJA1+DJA3 both\n"
        "    ok()\n"
    )
    monkeypatch.setattr(score_mod, "read_labels", lambda: labels_mod.read_labels(tmp_path))
    monkeypatch.setattr(score_mod, "CORPUS", tmp_path)

    def f(code, row):
        return {"code": code, "filename": str(src), "location": {"row": row, "column": 1}, "message": code}

    findings = [f("DJA101", 2), f("DJA112", 3), f("DJA201", 2), f("DJA101", 4)]
    report, summary = score_mod.score(findings)
    assert summary["per_family"]["DJA1"] == {"labels": 2, "found": 2}
    assert summary["per_family"]["DJA3"] == {"labels": 1, "found": 0}
    assert summary["false_positives"] == 2  # wrong family on a labelled line, and an unlabelled line
    assert summary["precision"] == pytest.approx(0.5)
    assert "p/views.py:3  expected DJA3" in report
    assert "p/views.py:4  found DJA101" in report


@pytest.fixture(scope="module")
def runtime_results():
    """Every project's runtime check, two subprocesses at a time (about half the wall time)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip(PROJECTS, pool.map(runtime_check.run_project, PROJECTS)))


@pytest.mark.parametrize("project", PROJECTS)
def test_runtime_confirms_labels(project, runtime_results):
    result = runtime_results[project]
    assert "error" not in result, result.get("error")
    bad = [f"{l['label']} {l['family']}: {l['status']} -- {l['why']}" for l in result["labels"]
           if l["status"] not in ("confirmed", "manual")]
    assert not bad, "labels without their runtime symptom:\n" + "\n".join(bad)
    unexpected = [f"{u['kind']} in {u['unit']}: {u['detail']} at {u['where']}" for u in result["unexpected"]]
    assert not unexpected, "unlabelled code did not run clean:\n" + "\n".join(unexpected)
    assert result["ran"] >= 10
