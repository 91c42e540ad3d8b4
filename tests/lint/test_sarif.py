"""`--format sarif` of `mlmodel inspect` and `mlmodel lint`: valid SARIF 2.1.0, one result per finding.

The schema is OASIS's own (tests/data/schemas/, licence noted there); each log is checked against it
with jsonschema, and its results against the command's own JSON output, finding for finding.
"""
from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import urllib.parse
from pathlib import Path

import pytest

jsonschema = pytest.importorskip("jsonschema")  # PyPI only: fails under CI, skips in the package build

from dh_mlmodel.lint.tagdata import all_tags
from lintdebs import MODEL_DIR, build_deb, demo_spec, lint, needs_dpkg_deb, with_record

TOP = Path(__file__).resolve().parents[2]
SCHEMA = json.loads((TOP / "tests" / "data" / "schemas" / "sarif-schema-2.1.0.json").read_text())
LEVEL = {"error": "error", "warning": "warning", "info": "note", "pedantic": "note"}


def valid_sarif(text: str) -> dict:
    doc = json.loads(text)
    jsonschema.Draft4Validator(SCHEMA).validate(doc)
    assert doc["version"] == "2.1.0" and len(doc["runs"]) == 1
    run = doc["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert [r["id"] for r in rules] == sorted({r["ruleId"] for r in run["results"]})
    for result in run["results"]:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        info = all_tags().get(rule["id"])
        if info is not None:  # the tag file's severity and explanation, as lintian's --info shows them
            assert rule["defaultConfiguration"]["level"] == LEVEL[info.severity]
            assert rule["help"]["text"].split()[:8] == info.explanation.split()[:8]
    return doc


def inspect_cli(*args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(TOP)
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "inspect", *args], capture_output=True,
                          text=True, env=env)


class Evil:
    def __reduce__(self):
        return (os.system, ("true",))


def test_inspect_sarif_one_result_per_finding(tmp_path: Path) -> None:
    odd = "odd name #1 %é.pkl"
    (tmp_path / odd).write_bytes(pickle.dumps(Evil(), protocol=2))
    (tmp_path / "config.json").write_text(json.dumps({"auto_map": {"AutoModel": "modeling_x.X"}}))
    lfs = "version https://git-lfs.github.com/spec/v1\noid sha256:" + "0" * 64 + "\nsize 999\n"
    (tmp_path / "model.safetensors").write_text(lfs)
    proc = inspect_cli("--format", "sarif", "--no-hash", str(tmp_path))
    assert proc.returncode == 1, proc.stderr  # error findings: the same exit code as the table
    doc = valid_sarif(proc.stdout)
    mine = json.loads(inspect_cli("--json", "--no-hash", str(tmp_path)).stdout)
    expected = sorted((f["path"], f["tag"], f["severity"], f.get("member", "")) for rec in mine["files"]
                      for f in rec["findings"])
    got = []
    for r in doc["runs"][0]["results"]:
        loc = r["locations"][0]
        uri = urllib.parse.unquote(loc["physicalLocation"]["artifactLocation"]["uri"])
        member = next((lg["name"] for lg in loc.get("logicalLocations", []) if lg["kind"] == "member"), "")
        got.append((uri, r["ruleId"], r["properties"]["severity"], member))
        assert r["level"] == LEVEL[r["properties"]["severity"]]
    assert sorted(got) == expected
    tags = {t for _, t, _, _ in got}
    assert {"pickle-imports-dangerous-callable", "remote-code-auto-map", "lfs-pointer-instead-of-model"} <= tags
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in doc["runs"][0]["results"]}
    assert "odd%20name%20%231%20%25%C3%A9.pkl" in uris  # a URI reference, not a raw path


def test_inspect_sarif_clean_model_has_no_results(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello\n")
    proc = inspect_cli("--format", "sarif", str(tmp_path))
    assert proc.returncode == 0
    doc = valid_sarif(proc.stdout)
    assert doc["runs"][0]["results"] == [] and doc["runs"][0]["tool"]["driver"]["rules"] == []


@needs_dpkg_deb
def test_lint_sarif_results_levels_and_suppressions(tmp_path: Path) -> None:
    spec = demo_spec()
    spec.files[f"{MODEL_DIR}/.gitattributes"] = b"*.safetensors filter=lfs\n"
    spec.files[f"{MODEL_DIR}/model.safetensors"] = b"\x00" * 40  # an error
    spec.files["usr/share/lintian/overrides/demo-embed"] = (
        b"# the attributes file documents the upstream repository\n"
        b"mlmodel-vcs-file [usr/share/mlmodel/demo-embed/.gitattributes]\n")
    deb = build_deb(with_record(spec), tmp_path)
    proc = lint(deb, args=("--format", "sarif"))
    assert proc.returncode == 1, proc.stderr  # --fail-on error still decides the exit code
    doc = valid_sarif(proc.stdout)
    hints = [h for g in json.loads(lint(deb, args=("--json",)).stdout)["groups"] for h in g["hints"]]
    results = doc["runs"][0]["results"]
    assert len(results) == len(hints) >= 2
    assert sorted((r["ruleId"], r["properties"]["severity"]) for r in results) == \
        sorted((h["tag"], h["visibility"]) for h in hints)
    vcs = next(r for r in results if r["ruleId"] == "mlmodel-vcs-file")
    assert vcs["suppressions"] == [{"kind": "external", "status": "accepted",
                                    "justification": "the attributes file documents the upstream repository"}]
    assert vcs["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == f"{MODEL_DIR}/.gitattributes"
    assert {"name": "demo-embed", "kind": "package"} in vcs["locations"][0]["logicalLocations"]
    assert any(r["level"] == "error" and "suppressions" not in r for r in results)


@needs_dpkg_deb
def test_lint_sarif_reports_unreadable_input_as_notification(tmp_path: Path) -> None:
    garbage = tmp_path / "garbage.deb"
    garbage.write_bytes(b"not an ar archive")
    proc = lint(garbage, args=("--format", "sarif"))
    assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1
    doc = valid_sarif(proc.stdout)
    inv = doc["runs"][0]["invocations"][0]
    assert inv["executionSuccessful"] is False and "garbage.deb" in inv["toolExecutionNotifications"][0]["message"]["text"]
