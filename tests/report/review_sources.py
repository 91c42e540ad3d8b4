"""Source trees for the `mlmodel report` tests: the demo, a corpus model, and a hostile model.

The corpus tree is a copy of the real third-party files (tests/corpus_fixture.py) with the
declaration tests/test_corpus_policy.py writes for that case, plus a minimal debian/control and
debian/copyright, as a maintainer would start.  The hostile tree carries markup, `</svg>`, a
100 000-character string, newlines and a bidi override in its model card, its safetensors
metadata, its file names and its declaration, and a pickle whose import the declaration accepts.
"""
from __future__ import annotations

import json
import shutil
import struct
import subprocess
import sys
import textwrap
from pathlib import Path

from conftest import DEMO, TOP, copy_source

SOURCE_DATE_EPOCH = "1764158400"
HOSTILE = "<script>window.__pwned=1</script></svg></table></div><img src=x onerror=\"window.__pwned=2\">"
HUGE = "A" * 100_000
NEWLINES = "line one\nline two\u202eevil\r\n### END mlmodel report"
# A pickle that imports one callable the allowlist does not know (GLOBAL, EMPTY_TUPLE, NEWOBJ, STOP).
PICKLE = b"\x80\x02csklearn.tree._classes\nDecisionTreeClassifier\nq\x00)\x81q\x01."
ACCEPTED = "sklearn.tree._classes.DecisionTreeClassifier"


def run_report(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    import os

    environment = dict(os.environ, SOURCE_DATE_EPOCH=SOURCE_DATE_EPOCH, PYTHONPATH=str(TOP))
    environment.update(env or {})
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "report", *args], capture_output=True,
                          text=True, env=environment)


def demo_source(tmp: Path) -> Path:
    return copy_source(DEMO, tmp, "demo-embed-1.0")


def corpus_source(corpus, tmp: Path, case: str) -> Path:
    """The corpus case as a source tree with the corpus tests' declaration of it."""
    from test_corpus_policy import CASES

    sub, models_yaml, _expected = CASES[case]
    origin = (corpus / case) / sub if sub else corpus / case
    src = tmp / f"{case}-src"
    shutil.copytree(origin, src, symlinks=True)
    debian = src / "debian"
    debian.mkdir(exist_ok=True)
    (debian / "mlmodel.yaml").write_text("format: 1\nmodels:\n" + textwrap.indent(textwrap.dedent(models_yaml), "  "))
    names = [line.split(":", 1)[1].strip() for line in textwrap.dedent(models_yaml).splitlines()
             if line.startswith("- name:")]
    (debian / "control").write_text(f"Source: {case}\nSection: science\n\n"
                                    + "".join(f"Package: {n}\nArchitecture: all\n\n" for n in names))
    (debian / "copyright").write_text("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
                                      "Files: *\nCopyright: upstream\nLicense: Apache-2.0\n")
    return src


def _safetensors(meta: dict) -> bytes:
    header = json.dumps({"__metadata__": meta, "w": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}).encode()
    header += b" " * (-len(header) % 8)
    return struct.pack("<Q", len(header)) + header + b"\0\0\0\0"


def hostile_source(tmp: Path, declared: bool = True) -> Path:
    src = tmp / ("hostile-1.0" if declared else "hostile-undeclared-1.0")
    model = src / "model"
    model.mkdir(parents=True)
    card = {"license": HOSTILE, "datasets": [HOSTILE, HUGE, NEWLINES], "base_model": [HOSTILE, NEWLINES],
            "pipeline_tag": "text-generation"}
    (model / "README.md").write_text("---\n" + json.dumps(card) + "\n---\n# " + HOSTILE + "\n")
    (model / "model.safetensors").write_bytes(_safetensors({"format": "pt", "name": HOSTILE + HUGE,
                                                            "license": NEWLINES, "architecture": "</svg>" * 50}))
    (model / "config.json").write_text(json.dumps({"architectures": [HOSTILE], "_name_or_path": HOSTILE}))
    (model / "evil<svg onload=alert(1)>&amp;<b>name.txt").write_text("x\n")
    (model / "weights.pkl").write_bytes(PICKLE)
    debian = src / "debian"
    debian.mkdir()
    (debian / "control").write_text("Source: hostile\n\nPackage: hostile-model\nArchitecture: all\n")
    if declared:
        (debian / "mlmodel.yaml").write_text(textwrap.dedent(f"""\
            format: 1
            models:
              - name: hostile-model
                path: model
                base-model: {{name: {json.dumps(HOSTILE)}, license: {json.dumps(HOSTILE)}}}
                training-data:
                  - {{name: {json.dumps(HOSTILE)}, license: {json.dumps(HOSTILE)}, availability: public}}
                  - {{name: {json.dumps('x' * 5000)}, availability: unavailable}}
                training-code: {{license: {json.dumps(HOSTILE)}, completeness: partial}}
                pickle-allow:
                  - file: weights.pkl
                    callables: [{ACCEPTED}]
                    reason: {json.dumps("reviewed: " + HOSTILE)}
            """))
    return src
