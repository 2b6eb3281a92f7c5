"""The pre-commit hook for real: ``pre-commit try-repo`` against a copy of this repo.

pre-commit builds its own virtualenv and pip-installs asynclint from the hook
repository, exactly as a user's ``pre-commit install`` would. If that environment
cannot be built here (no package index reachable), the tests skip and say so; a
hook that runs and gives the wrong answer is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fixture_format import ROOT
from test_cli import BAD, make_shop

PRE_COMMIT = [sys.executable, "-m", "pre_commit"]
GIT_ENV = {
    "GIT_AUTHOR_NAME": "asynclint tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "asynclint tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "init.defaultBranch=main", "-c", "commit.gpgsign=false", *args],
                   cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_ENV})


def test_hook_definition() -> None:
    """The fields users and pre-commit rely on, read from the shipped file, which
    pre-commit itself accepts as a hook manifest."""
    yaml = pytest.importorskip("yaml")  # pre-commit depends on PyYAML
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "asynclint"
    assert hook["entry"] == "asynclint check"
    assert hook["language"] == "python"
    assert hook["types"] == ["python"]
    assert hook["require_serial"] is True
    pytest.importorskip("pre_commit")
    proc = subprocess.run([*PRE_COMMIT, "validate-manifest", str(ROOT / ".pre-commit-hooks.yaml")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This repository as it is now (HEAD plus the working tree), committed in a fresh
    git repo, so the test works on a clean CI clone and with uncommitted edits alike."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=ROOT, capture_output=True, check=False)
    copy = tmp_path_factory.mktemp("hook-repo")
    if listed.returncode == 0 and listed.stdout:
        names = [n for n in os.fsdecode(listed.stdout).split("\0") if n]
    else:  # not a git checkout (e.g. an sdist): copy the project files themselves
        names = [p.relative_to(ROOT).as_posix() for p in ROOT.rglob("*") if p.is_file()
                 and not any(part in {".git", ".venv", "__pycache__", ".pytest_cache"} for part in p.parts)]
    for name in names:
        source = ROOT / name
        if source.is_file():
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    git(copy, "init", "-q")
    git(copy, "add", "-A")
    git(copy, "commit", "-q", "-m", "asynclint under test")
    return copy


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One pre-commit cache for the module: the hook environment is built once."""
    pytest.importorskip("pre_commit")
    return tmp_path_factory.mktemp("pre-commit-home")


def user_repo(root: Path, files: dict[str, str]) -> Path:
    root.mkdir()
    make_shop(root)
    for name, text in files.items():
        (root / name).write_text(text)
    git(root, "init", "-q")
    git(root, "add", "-A")
    return root


def try_repo(repo: Path, hook_repo: Path, home: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never",
           "PYTHONWARNINGS": "ignore"}
    env.pop("VIRTUAL_ENV", None)
    proc = subprocess.run([*PRE_COMMIT, "try-repo", str(hook_repo), "asynclint", "--all-files", "--verbose"],
                          cwd=repo, capture_output=True, text=True, errors="replace", timeout=900, env=env)
    output = proc.stdout + proc.stderr
    log = home / "pre-commit.log"
    # pre-commit exits 3 on an error of its own (e.g. pip could not build the hook's
    # virtualenv); the hook's own verdict is 0 (passed) or 1 (failed).
    if proc.returncode == 3 or "An unexpected error has occurred" in output:
        detail = log.read_text(errors="replace")[-1500:] if log.is_file() else output[-1500:]
        if any(word in detail for word in ("pip", "install", "virtualenv", "venv", "Could not find", "index")):
            errors = [line.strip() for line in detail.splitlines() if "ERROR" in line or "error:" in line]
            pytest.skip("pre-commit could not build the hook's environment here (pip could not install "
                        "asynclint and its dependencies): " + (" | ".join(errors[-3:]) or detail[-400:]))
        pytest.fail(f"pre-commit failed before running the hook:\n{detail}")
    assert "Traceback" not in output, output
    return proc


def test_hook_fails_on_a_pitfall_and_shows_it(tmp_path: Path, hook_repo: Path, pre_commit_home: Path) -> None:
    repo = user_repo(tmp_path / "site", {"views.py": BAD, "notes.md": "not python\n"})
    proc = try_repo(repo, hook_repo, pre_commit_home)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert "asynclint" in output and "Failed" in output
    assert "views.py:5:12: DJA101" in output
    assert "Book.objects.get()" in output


def test_hook_passes_on_clean_code(tmp_path: Path, hook_repo: Path, pre_commit_home: Path) -> None:
    clean = BAD.replace("return Book.objects.get(pk=1)", "return await Book.objects.aget(pk=1)")
    repo = user_repo(tmp_path / "site", {"views.py": clean})
    proc = try_repo(repo, hook_repo, pre_commit_home)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, output
    assert "Passed" in output
    assert "DJA" not in output
