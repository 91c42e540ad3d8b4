#!/usr/bin/env python3
"""The tables of docs/census.md, from a census JSON (and /usr/bin/time -v's output).

    python3 bench/census_table.py bench/out/census-trixie/census.json [bench/out/census-trixie/time.txt]

Prints Markdown: the totals, packages and bytes per format, placement under
each profile, and one line per package that ships models.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from dh_mlmodel.census.output import model_units, summary  # noqa: E402
from dh_mlmodel.census.row import verdict_label  # noqa: E402
from dh_mlmodel.declaration import PROFILES  # noqa: E402


def mb(n: int) -> str:
    return f"{n / 1e6:,.1f} MB"


def timing(path: Path | None) -> list[str]:
    if path is None or not path.exists():
        return []
    text = path.read_text()
    out = []
    for label, pattern in (("wall clock", r"Elapsed \(wall clock\) time.*: (\S+)"),
                           ("peak memory (max RSS)", r"Maximum resident set size \(kbytes\): (\d+)"),
                           ("user CPU", r"User time \(seconds\): (\S+)"), ("exit status", r"Exit status: (\d+)")):
        m = re.search(pattern, text)
        if m:
            value = f"{int(m.group(1)) / 1024:,.0f} MiB" if "RSS" in label else m.group(1)
            out.append(f"- {label}: {value}")
    return out


def main(argv: list[str]) -> int:
    doc = json.loads(Path(argv[1]).read_text())
    meta, rows = doc["census"], doc["packages"]
    s = summary(rows)  # this checkout's counting, over the rows as the census wrote them
    models = [r for r in rows if r["ships_model"]]
    print(f"Mirror {meta['mirror']}, suite {meta['suite']}, components {', '.join(meta['components'])}, "
          f"architecture {meta['architecture']} (+ all); inspector {meta['inspector']}.\n")
    print(f"- candidate packages (a file name matched a rule): {s['candidates']}")
    print(f"- packages that ship trained models: **{s['ship_models']}** "
          f"({', '.join(f'{k} {v}' for k, v in s['by_component'].items())})")
    print(f"- model bytes (installed size of the model files): {mb(s['model_bytes'])}")
    print(f"- generative (by rule or metadata): {s['generative']}; declared with dh-mlmodel: {s['declared']}; "
          f"with a training-data statement in copyright/README: {s['with_training_statement']}")
    print(f"- licence status of the model files: {', '.join(f'{k} {v}' for k, v in s['by_license_status'].items())}")
    print(f"- unreadable (fetch or read error): {s['errors']}")
    if s.get("unconfirmed_packages"):
        print(f"- candidates with only unconfirmed files (binary, named like a model, format unknown; not counted): "
              f"{', '.join(s['unconfirmed_packages'])}")
    print(f"- of these, only test fixtures (every model file under a test directory, or a -testdata package): "
          f"{len(s['fixtures_only'])} ({', '.join(s['fixtures_only'])})")
    for line in timing(Path(argv[2]) if len(argv) > 2 else None):
        print(line)

    print("\n### Formats\n\n| format | packages | models | bytes | largest model |\n|---|---:|---:|---:|---:|")
    files: Counter = Counter()
    largest: dict[str, int] = defaultdict(int)
    for r in models:
        for kind, size, _ in model_units(r).values():
            files[kind] += 1
            largest[kind] = max(largest[kind], size)
    for kind, n in sorted(s["by_format_packages"].items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"| {kind} | {n} | {files[kind]} | {mb(s['by_format_bytes'].get(kind, 0))} | {mb(largest[kind])} |")

    print("\n### Placement under each profile (packages)\n\n| profile | main | contrib | non-free | reject |\n"
          "|---|---:|---:|---:|---:|")
    for p in PROFILES:
        c = s["placement"][p]
        print(f"| {p} | {c.get('main', 0)} | {c.get('contrib', 0)} | {c.get('non-free', 0)} | {c.get('reject', 0)} |")
    print("\n### Where they are and where each profile would put them (packages)\n\n"
          "| profile | " + " | ".join(f"in {c}" for c in sorted(s["by_component"])) + " |\n|---|"
          + "---|" * len(s["by_component"]))
    for p in PROFILES:
        cells = []
        for comp in sorted(s["by_component"]):
            here = Counter((r["verdicts"][p]["section"] or "reject") for r in models if r["component"] == comp)
            cells.append(", ".join(f"{k} {v}" for k, v in sorted(here.items())))
        print(f"| {p} | " + " | ".join(cells) + " |")
    rules = Counter((r["verdicts"]["ml-policy"]["rule"], r["license_status"]) for r in models)
    print("\nDecision-table rows that fired (ML-Policy column; the same row fires under every profile): "
          + ", ".join(f"rule {k[0]} ({k[1]} licence): {v}" for k, v in sorted(rules.items())))

    print("\n### Packages\n\n| package | section | formats | models | bytes | licence | training data | "
          "generative | " + " | ".join(PROFILES) + " |\n|" + "---|" * (8 + len(PROFILES)))
    for group in _groups(models):
        r = group[0]
        stmt = "; ".join(t["text"][:80] for t in r["training_data"])[:120] or "none found"
        name = r["package"] if len(group) == 1 else (f"{len(group)} packages of source {r['source']} "
                                                     f"({group[0]['package']} … {group[-1]['package']})")
        cells = [name, r["section"], ", ".join(r["formats"]),
                 str(sum(g["model_count"] for g in group)), mb(sum(g["model_bytes"] for g in group)),
                 f"{r['license'] or 'none'} ({r['license_status']})", stmt,
                 "yes" if r["generative"] else "no"] + [verdict_label(r["verdicts"][p]) for p in PROFILES]
        print("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return 0


def _groups(models: list[dict]) -> list[list[dict]]:
    """Packages of one source with the same formats, licence, statements and verdicts: one line (tesseract's 160 languages)."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in sorted(models, key=lambda r: r["package"]):
        key = (r["source"], r["component"], r["section"], tuple(r["formats"]), r["license"], bool(r["training_data"]),
               r["generative"], tuple(verdict_label(r["verdicts"][p]) for p in PROFILES))
        groups[key].append(r)
    out = []
    for group in groups.values():
        out += [group] if len(group) > 3 else [[g] for g in group]
    return sorted(out, key=lambda g: g[0]["package"])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
