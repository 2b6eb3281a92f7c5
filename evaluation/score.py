#!/usr/bin/env python
"""Score asynclint on the evaluation corpus.

Runs ``asynclint check --output-format json`` over ``evaluation/corpus`` and
compares the findings with the ``# PITFALL:`` labels (see README.md):

* a finding matches a label when it is on the labelled line and its code is
  in the labelled family (DJA101 is in DJA1);
* recall per family = labels with at least one matching finding / labels;
* precision = findings that match a label / all findings.

Usage: python evaluation/score.py [--asynclint PATH] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from labels import CORPUS, FAMILIES, family_of, read_labels, source_line  # noqa: E402

TARGET_RECALL = 0.90
TARGET_PRECISION = 0.95


def find_asynclint(explicit: str | None) -> list[str]:
    if explicit:
        return [explicit]
    here = Path(sys.executable).parent / "asynclint"
    if here.exists():
        return [str(here)]
    found = shutil.which("asynclint")
    if found:
        return [found]
    return [sys.executable, "-m", "asynclint"]


def run_asynclint(cmd: list[str], per_project: bool = False) -> list[dict]:
    """One run over the whole corpus (default), or one run per project from inside it."""
    targets = [(CORPUS, CORPUS)]
    if per_project:
        targets = [(p, p) for p in sorted(CORPUS.iterdir()) if (p / "manage.py").exists()]
    findings: list[dict] = []
    for cwd, path in targets:
        proc = subprocess.run(
            [*cmd, "check", "--output-format", "json", "--exit-zero", str(path)],
            capture_output=True, text=True, cwd=cwd, env={**os.environ, "NO_COLOR": "1"},
        )
        if proc.returncode != 0:
            raise SystemExit(f"asynclint failed ({proc.returncode}):\n{proc.stderr}")
        try:
            found = json.loads(proc.stdout or "[]")
        except json.JSONDecodeError as exc:
            raise SystemExit(f"asynclint did not print JSON ({exc}):\n{proc.stdout[:2000]}")
        for f in found:
            f["filename"] = str((cwd / f["filename"]).resolve())
            findings.append(f)
    return findings


def score(findings: list[dict]) -> tuple[str, dict]:
    labels = read_labels()
    by_line: dict[tuple[str, int], set[str]] = defaultdict(set)
    for lab in labels:
        by_line[lab.key].add(lab.family)

    matched_labels: set[tuple[str, int, str]] = set()
    false_pos: list[dict] = []
    true_pos = 0
    for f in findings:
        key = (str(Path(f["filename"]).resolve()), f["location"]["row"])
        fam = family_of(f["code"])
        if fam in by_line.get(key, ()):
            true_pos += 1
            matched_labels.add((*key, fam))
        else:
            false_pos.append(f)

    out: list[str] = []
    per_family: dict[str, dict] = {}
    total = Counter(l.family for l in labels)
    hit = Counter(l.family for l in labels if (*l.key, l.family) in matched_labels)
    where = CORPUS.relative_to(Path(__file__).resolve().parent.parent) if CORPUS.is_relative_to(
        Path(__file__).resolve().parent.parent) else CORPUS
    out.append(f"asynclint on {where}: {len(labels)} labelled pitfalls in "
               f"{len({l.rel.split('/')[0] for l in labels})} projects, {len(findings)} findings")
    out.append("")
    out.append("recall per family")
    for fam in FAMILIES:
        n, h = total[fam], hit[fam]
        per_family[fam] = {"labels": n, "found": h}
        rate = f"{h / n:6.1%}" if n else "   n/a"
        out.append(f"  {fam}  {rate}  {h:3d}/{n:<3d}  {FAMILIES[fam]}")
    all_hit = sum(hit.values())
    recall = all_hit / len(labels) if labels else 0.0
    precision = true_pos / len(findings) if findings else 1.0
    out.append(f"  all   {recall:6.1%}  {all_hit:3d}/{len(labels):<3d}  (target >= {TARGET_RECALL:.0%})")
    out.append("")
    out.append(f"precision {precision:.1%}  {true_pos}/{len(findings)} findings on a labelled line of their family "
               f"(target >= {TARGET_PRECISION:.0%})")
    out.append("")

    misses = [l for l in labels if (*l.key, l.family) not in matched_labels]
    out.append(f"misses ({len(misses)})")
    for l in sorted(misses, key=lambda l: (l.rel, l.line, l.family)):
        found_here = sorted({f["code"] for f in findings
                             if (str(Path(f["filename"]).resolve()), f["location"]["row"]) == l.key})
        extra = f"  [found {', '.join(found_here)} instead]" if found_here else ""
        out.append(f"  {l.rel}:{l.line}  expected {l.family}{extra}  -- {l.why}")
        out.append(f"      {source_line(l.path, l.line)}")
    out.append("")
    out.append(f"false positives ({len(false_pos)})")
    for f in sorted(false_pos, key=lambda f: (f["filename"], f["location"]["row"], f["code"])):
        path = Path(f["filename"]).resolve()
        rel = path.relative_to(CORPUS).as_posix() if path.is_relative_to(CORPUS) else str(path)
        row = f["location"]["row"]
        labelled = sorted(by_line.get((str(path), row), ()))
        note = f"  [line labelled {'+'.join(labelled)}]" if labelled else ""
        out.append(f"  {rel}:{row}  found {f['code']}{note}  -- {f['message'][:160]}")
        out.append(f"      {source_line(path, row)}")
    summary = {
        "labels": len(labels), "findings": len(findings), "recall": recall, "precision": precision,
        "per_family": per_family, "misses": len(misses), "false_positives": len(false_pos),
    }
    return "\n".join(out) + "\n", summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--asynclint", help="asynclint executable (default: the one next to this Python)")
    ap.add_argument("--out", help="also write the report to this file")
    ap.add_argument("--json", action="store_true", help="print the summary as JSON after the report")
    ap.add_argument("--per-project", action="store_true",
                    help="run asynclint once per corpus project (cwd = the project) instead of once over the corpus")
    args = ap.parse_args(argv)
    findings = run_asynclint(find_asynclint(args.asynclint), per_project=args.per_project)
    report, summary = score(findings)
    sys.stdout.write(report)
    if args.json:
        print(json.dumps(summary, indent=2))
    if args.out:
        Path(args.out).write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
