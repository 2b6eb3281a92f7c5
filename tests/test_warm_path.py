"""The warm path (a run with an up-to-date cache): what it loads, and that its
shortcuts answer exactly as the long way does.

- it imports neither libcst, nor the rules, nor the engine, nor pathspec (no
  pattern to match);
- discovery matches the built-in excludes by name: the same answer as the
  gitignore spec of DEFAULT_EXCLUDE;
- discovery and the project index read one shared set of folder listings and
  agree on the files;
- folder listings kept from the last run (``.asynclint_cache/folders.pickle``)
  are used only while the folder's mtime and ctime are unchanged: an added,
  removed or renamed file is seen; a broken or foreign listings file is ignored.
  (A listing is kept only once its folder is two seconds old: the tests that
  need kept listings wait that long, since no test can set a ctime back.)
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from pathlib import Path

import pathspec
import pytest

from asynclint import discovery
from asynclint.config import DEFAULT_EXCLUDE, load_settings
from asynclint.discovery import discover, listing, shared_listings
from asynclint.index import ProjectIndex
from test_cli import BAD, CLEAN, FINDING_RE, make_shop, run
from test_config import write

LISTINGS = Path(".asynclint_cache") / "folders.pickle"
PROBE = textwrap.dedent("""\
    import json, sys
    sys.argv = ["asynclint", *sys.argv[1:]]
    from asynclint.cli import main
    try:
        main()
    except SystemExit:
        pass
    print(json.dumps(sorted(sys.modules)), file=sys.stderr)
""")


def settle() -> None:
    """Wait until what the test wrote so far is older than the racy window."""
    time.sleep(discovery.RACY_NS / 1e9 + 0.1)


def findings(root: Path, *args: str) -> set[tuple[str, str]]:
    proc = run("check", "--output-format", "concise", *args, cwd=root)
    assert proc.returncode in (0, 1), proc.stderr
    return {(m["path"], m["code"]) for m in FINDING_RE.finditer(proc.stdout)}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    make_shop(tmp_path)
    write(tmp_path, {
        "pyproject.toml": "[tool.asynclint]\n",
        "shop/views.py": BAD,
        "shop/api/__init__.py": "",
        "shop/api/views.py": CLEAN,
        "shop/locale/fr/LC_MESSAGES/django.po": "",
        "tools/report.py": BAD,
    })
    return tmp_path


# ------------------------------------------------------------------ what the warm path loads


def test_a_warm_run_loads_no_parser_rules_engine_or_pathspec(project: Path) -> None:
    first = run("check", "--output-format", "concise", cwd=project)
    assert FINDING_RE.search(first.stdout), first.stdout + first.stderr
    proc = subprocess.run([sys.executable, "-c", PROBE, "check", "--output-format", "concise"], cwd=project,
                          capture_output=True, text=True, timeout=120)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stdout == first.stdout
    modules = json.loads(proc.stderr.strip().splitlines()[-1])
    loaded = [m for m in modules if m.split(".")[0] in ("libcst", "pathspec")
              or m.startswith(("asynclint.rules", "asynclint.engine", "asynclint.checker"))]
    assert loaded == []


def test_a_gitignore_or_exclude_patterns_still_load_pathspec_and_apply(project: Path) -> None:
    write(project, {".gitignore": "tools/\n"})
    assert findings(project) == {("shop/views.py", "DJA101")}
    (project / ".gitignore").unlink()
    write(project, {"pyproject.toml": '[tool.asynclint]\nextend-exclude = ["tools/"]\n'})
    assert findings(project) == {("shop/views.py", "DJA101")}


# ------------------------------------------------------------------ discovery's shortcuts


NAMES = [*DEFAULT_EXCLUDE, "x.egg-info", ".egg-info", "egg-info", "build.py", "builds", "rebuild", "venv2",
         ".venvs", "site-packages-old", "dist-info", "a.egg-infos", "node_modules.py", ".git2", "git", "shop"]


@pytest.mark.parametrize("name", NAMES)
def test_builtin_excludes_match_by_name_as_the_gitignore_spec_does(name: str) -> None:
    spec = pathspec.GitIgnoreSpec.from_lines(DEFAULT_EXCLUDE)
    for probe in (name, name + "/", f"a/{name}", f"a/b/{name}/", f"a/{name}/c.py"):
        # a name matches a path when it matches one of the path's components
        parts = probe.rstrip("/").split("/")
        assert spec.match_file(probe) == any(discovery._default_excluded(p) for p in parts), probe


def test_discovery_with_builtin_excludes_only(tmp_path: Path) -> None:
    write(tmp_path, {
        "pyproject.toml": "[tool.asynclint]\n",
        "app/a.py": "", "app/build/b.py": "", "app/x.egg-info/c.py": "", "build/d.py": "",
        "venv/lib/e.py": "", "builds/f.py": "", "app/dist.py": "", "node_modules/g.py": "",
    })
    settings = load_settings(tmp_path)

    def rel(paths):
        return sorted(p.relative_to(tmp_path).as_posix() for p in paths)

    assert rel(discover([tmp_path], settings)) == ["app/a.py", "app/dist.py", "builds/f.py"]
    # a folder named on the command line inside the root is excluded by its own name, as before
    assert rel(discover([tmp_path / "build"], settings)) == []
    assert rel(discover([tmp_path / "app" / "build"], settings)) == []
    # a file named on the command line is always checked
    assert rel(discover([tmp_path / "build" / "d.py"], settings)) == ["build/d.py"]
    # outside the root only names below the starting folder count
    outside = replace(settings, root=str(tmp_path / "app"))
    assert rel(discover([tmp_path / "build"], outside)) == ["build/d.py"]
    # a configured pattern can undo a built-in one (one spec of them all, in order)
    undo = replace(settings, extend_exclude=("!build",))
    assert rel(discover([tmp_path], undo)) == ["app/a.py", "app/build/b.py", "app/dist.py", "build/d.py",
                                               "builds/f.py"]


def test_discovered_paths_are_in_path_order(tmp_path: Path) -> None:
    names = ["a.py", "a-b/x.py", "a/x.py", "a.b/x.py", "a/b/x.py", "a_b.py", "A.py", "a0/x.py"]
    write(tmp_path, {"pyproject.toml": "[tool.asynclint]\n", **{n: "" for n in names}})
    found = discover([tmp_path], load_settings(tmp_path))
    assert found == sorted(found)
    assert len(found) == len(names)


# ------------------------------------------------------------------ one walk for discovery and the index


def test_discovery_and_the_index_agree_on_files(project: Path) -> None:
    settings = load_settings(project)
    with shared_listings():
        files = discover([project], settings)
        index = ProjectIndex(settings.src_roots())
    assert {str(p) for p in files} == set(index.module_paths.values())
    # the same answers as without shared listings
    alone = ProjectIndex(settings.src_roots())
    assert (alone.module_paths, alone.path_keys, alone.chains, alone.aliases) == \
           (index.module_paths, index.path_keys, index.chains, index.aliases)
    assert list(alone.module_paths) == list(index.module_paths)


def test_the_index_names_modules_as_before_with_symlinks_and_odd_entries(tmp_path: Path) -> None:
    write(tmp_path, {"pkg/__init__.py": "", "pkg/sub/__init__.py": "", "pkg/sub/m.py": "", "plain/n.py": "",
                     "notpkg/__init__.py/x.py": "", "notpkg/y.py": "", "pkg/a.b.py": "", "top.py": ""})
    (tmp_path / "linked").symlink_to(tmp_path / "pkg", target_is_directory=True)
    (tmp_path / "alias.py").symlink_to(tmp_path / "top.py")
    (tmp_path / "dirlink.py").symlink_to(tmp_path / "plain", target_is_directory=True)
    (tmp_path / "broken.py").symlink_to(tmp_path / "missing")
    index = ProjectIndex([tmp_path])
    assert index.module_paths == {
        "alias": str(tmp_path / "alias.py"),  # os.walk lists a symlinked file as a file
        "broken": str(tmp_path / "broken.py"),  # ... and a broken symlink
        "top": str(tmp_path / "top.py"),
        "y": str(tmp_path / "notpkg" / "y.py"),  # (its __init__.py is a folder: not a package)
        "x": str(tmp_path / "notpkg" / "__init__.py" / "x.py"),
        "n": str(tmp_path / "plain" / "n.py"),
        "pkg": str(tmp_path / "pkg" / "__init__.py"),
        "pkg.sub": str(tmp_path / "pkg" / "sub" / "__init__.py"),
        "pkg.sub.m": str(tmp_path / "pkg" / "sub" / "m.py"),
    }
    assert index.chains["pkg.sub.m"] == (str(tmp_path),)
    assert index.chains["n"] == (str(tmp_path / "plain"), str(tmp_path))
    assert index.aliases[(str(tmp_path), "plain.n")] == "n"
    # discovery: no symlinked folder is entered, a symlinked file is checked, a broken one is not
    found = {p.relative_to(tmp_path).as_posix() for p in discover([tmp_path], load_settings(tmp_path))}
    assert found == {"alias.py", "top.py", "notpkg/y.py", "notpkg/__init__.py/x.py", "plain/n.py", "pkg/__init__.py",
                     "pkg/sub/__init__.py", "pkg/sub/m.py", "pkg/a.b.py"}


# ------------------------------------------------------------------ listings kept between runs


def test_listings_are_kept_and_reused_while_folders_are_unchanged(project: Path, monkeypatch) -> None:
    settings = load_settings(project)
    file = project / LISTINGS
    file.parent.mkdir()
    monkeypatch.setattr(discovery, "RACY_NS", -3600 * 10**9)  # as if saved an hour later: keep all
    with shared_listings(file) as first:
        discover([project], settings)
    first.save()
    assert file.is_file()
    written = file.stat().st_mtime_ns
    reads: list[str] = []
    real = discovery._read
    monkeypatch.setattr(discovery, "_read", lambda folder, stamp: reads.append(folder) or real(folder, stamp))
    with shared_listings(file) as again:
        assert discover([project], settings) == discover([project], settings)
    again.save()
    assert reads == []  # every folder from the kept listings
    assert file.stat().st_mtime_ns == written  # nothing new: not written again


def test_a_folder_changed_since_the_last_run_is_read_again(project: Path) -> None:
    settle()
    assert findings(project) == {("shop/views.py", "DJA101"), ("tools/report.py", "DJA101")}
    _, _, kept = pickle.loads((project / LISTINGS).read_bytes())
    assert {str(project / "shop" / "api"), str(project / "tools")} <= set(kept)
    # a file added with the folder's mtime set back (as tar and rsync -a restore times)
    st = (project / "tools").stat()
    write(project, {"tools/restored.py": BAD})
    os.utime(project / "tools", ns=(st.st_atime_ns, st.st_mtime_ns))
    assert ("tools/restored.py", "DJA101") in findings(project)
    (project / "tools" / "restored.py").unlink()
    write(project, {"shop/api/new.py": BAD})  # a new file: its folder's mtime changes
    assert findings(project) == {("shop/views.py", "DJA101"), ("tools/report.py", "DJA101"),
                                 ("shop/api/new.py", "DJA101")}
    (project / "tools" / "report.py").rename(project / "tools" / "renamed.py")
    write(project, {"extra/deep/er/m.py": BAD})  # a new folder tree
    assert findings(project) == {("shop/views.py", "DJA101"), ("shop/api/new.py", "DJA101"),
                                 ("tools/renamed.py", "DJA101"), ("extra/deep/er/m.py", "DJA101")}
    (project / "shop" / "api" / "new.py").unlink()
    assert findings(project) == {("shop/views.py", "DJA101"), ("tools/renamed.py", "DJA101"),
                                 ("extra/deep/er/m.py", "DJA101")}


def test_recently_changed_folders_and_symlinked_files_are_not_kept(project: Path) -> None:
    settings = load_settings(project)
    file = project / LISTINGS
    file.parent.mkdir()
    settle()
    write(project, {"fresh/m.py": ""})  # changed just now: its times may yet hide a change
    (project / "shop" / "link.py").symlink_to(project / "tools" / "report.py")
    with shared_listings(file) as listed:
        discover([project], settings)
    listed.save()
    _, _, kept = pickle.loads(file.read_bytes())
    assert str(project / "tools") in kept
    assert str(project / "fresh") not in kept
    assert str(project / "shop") not in kept  # what a symlink points to changes without its folder


@pytest.mark.parametrize("content", [
    b"", b"garbage", b"\x80\x05\x95", pickle.dumps([1, 2]), pickle.dumps((1, "0.0", {})),
    pickle.dumps((2, "0.1.0", {"/x": ((1, 1), [], (), False)})),
    pickle.dumps((2, "0.1.0", {"/x": ((1, 1), ((1, 2),), (), False)})),
    pickle.dumps((2, "0.1.0", {"/x": (1, (), (), False)})),
    pickle.dumps((2, "0.1.0", {"/x": "not a listing"})),
])
def test_a_broken_listings_file_is_ignored(project: Path, content: bytes) -> None:
    expected = findings(project)
    (project / LISTINGS).write_bytes(content)
    assert findings(project) == expected
    assert findings(project) == expected


def test_a_listings_file_claiming_old_contents_is_only_trusted_for_its_folder_mtime(project: Path) -> None:
    """A kept listing whose stamp is not the folder's times is read again."""
    expected = findings(project)
    from asynclint import __version__

    lie = {str(project): ((0, 0), (), (), False)}  # "the root is empty", at times it never had
    (project / LISTINGS).write_bytes(pickle.dumps((discovery.shared_listings.FORMAT, __version__, lie)))
    assert findings(project) == expected


class _Evil:
    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (Path.touch, (Path(self.path),))


def test_a_listings_file_naming_a_class_is_refused(project: Path) -> None:
    expected = findings(project)
    marker = project / "pwned"
    (project / LISTINGS).write_bytes(pickle.dumps(_Evil(str(marker))))
    assert findings(project) == expected
    assert not marker.exists()


def test_no_cache_reads_and_writes_no_listings(project: Path) -> None:
    run("check", "--no-cache", cwd=project)
    assert not (project / ".asynclint_cache").exists()
    run("check", cwd=project)
    (project / LISTINGS).write_bytes(b"garbage")
    write(project, {"tools/more.py": BAD})
    assert ("tools/more.py", "DJA101") in findings(project, "--no-cache")
    assert (project / LISTINGS).read_bytes() == b"garbage"


def test_listing_outside_a_shared_block_reads_afresh(tmp_path: Path) -> None:
    write(tmp_path, {"a.py": ""})
    assert [name for name, _, _ in listing(str(tmp_path))[2]] == ["a.py"]
    write(tmp_path, {"b.py": ""})
    assert [name for name, _, _ in listing(str(tmp_path))[2]] == ["a.py", "b.py"]
    with shared_listings():
        listing(str(tmp_path))
        write(tmp_path, {"c.py": ""})
        assert len(listing(str(tmp_path))[2]) == 2  # read once per block
    assert len(listing(str(tmp_path))[2]) == 3
