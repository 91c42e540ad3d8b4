"""The census command line: usage, one-line errors, and the rules as docs/census.md lists them."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import TOP

from dh_mlmodel.census.rules import RULES


def mlmodel(*args: str, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(TOP)
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", *args], capture_output=True, text=True, env=env,
                          cwd=cwd)


def test_help_names_every_option():
    proc = mlmodel("census", "--help")
    assert proc.returncode == 0
    for option in ("--mirror", "--suite", "--component", "--arch", "--json", "--csv", "--html", "--cache", "--jobs"):
        assert option in proc.stdout
    assert "census" in mlmodel("--help").stdout


def test_bad_input_is_one_line_and_writes_nothing(tmp_path):
    proc = mlmodel("census", "--mirror", str(tmp_path / "nowhere"), "--suite", "trixie", "--cache", str(tmp_path / "c"),
                   "--json", str(tmp_path / "out.json"))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "no such directory" in proc.stderr
    assert not (tmp_path / "out.json").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    proc = mlmodel("census", "--mirror", str(empty), "--suite", "trixie", "--cache", str(tmp_path / "c"),
                   "--json", str(tmp_path / "out.json"))
    assert proc.returncode == 2 and "no Contents-all or Contents-amd64 index" in proc.stderr
    assert "Traceback" not in proc.stderr and not (tmp_path / "out.json").exists()
    assert mlmodel("census", "--mirror", "ftp://x", "--suite", "s").returncode == 2
    assert mlmodel("census", "--mirror", str(empty), "--suite", "s", "--jobs", "0").returncode == 2


def test_docs_list_every_rule():
    text = (TOP / "docs" / "census.md").read_text()
    table = set(re.findall(r"^\| ([a-z0-9-]+) \|", text, re.M))
    assert {r.name for r in RULES} <= table
    assert "census" in (TOP / "man" / "mlmodel.1").read_text()
