"""The ready `pickle-allow:` block a blocking pickle finding proposes (issue #15).

The truth is the declaration loader and the allowlist itself: the block,
pasted under the model with its reason filled in, must load and accept every
callable that blocked (and nothing dangerous is ever proposed).
"""
from __future__ import annotations

import pickle
import textwrap
from pathlib import Path

import pytest
import yaml

from dh_mlmodel import risk
from dh_mlmodel.declaration import load_declaration
from dh_mlmodel.risk import apply_allowlist, pickle_allow_block, scan_file

DECL_HEAD = """format: 1
models:
  - name: m
    path: .
    license: MIT
    copyright: 2026 Lab
    training-data: undeclared
    training-code: {completeness: missing}
"""


class _Fake:
    """A class pickled by reference, like a scikit-learn estimator."""


def _sklearn_like(tmp_path: Path) -> Path:
    # GLOBAL opcodes naming classes outside the allowlist, as a fitted estimator's pickle does.
    data = (b"\x80\x02csklearn.linear_model._logistic\nLogisticRegression\n)\x81}b"
            b"csklearn.preprocessing._data\nStandardScaler\n)\x81}b"
            b"\x86.")
    path = tmp_path / "model.pkl"
    path.write_bytes(data)
    return path


def _fill_reason(block: str) -> str:
    """The maintainer's edit: the reason written over the null and its TODO comment."""
    import re
    return re.sub(r"reason: null .*", "reason: reviewed against scikit-learn 1.2 in Debian", block)


def test_block_lists_every_blocking_callable_and_loads(tmp_path: Path) -> None:
    path = _sklearn_like(tmp_path)
    findings = [f for f in scan_file(path, "model.pkl") if f.severity == "error"]
    names = {risk.finding_callable(f) for f in findings} - {None}
    assert {"sklearn.linear_model._logistic.LogisticRegression", "sklearn.preprocessing._data.StandardScaler"} <= names
    block = pickle_allow_block(findings)
    assert block is not None and "reason:" in block and "TODO" in block
    decl = tmp_path / "mlmodel.yaml"
    decl.write_text(DECL_HEAD + textwrap.indent(_fill_reason(block), "    "))
    loaded = load_declaration(decl).models[0]
    kept, accepted = apply_allowlist(findings, loaded.pickle_allow)
    assert [f for f in kept if f.tag in risk.ACCEPTABLE_TAGS] == []
    assert {a["callable"] for a in accepted} == names


def test_block_with_todo_reason_is_refused(tmp_path: Path) -> None:
    findings = [f for f in scan_file(_sklearn_like(tmp_path), "model.pkl") if f.severity == "error"]
    decl = tmp_path / "mlmodel.yaml"
    decl.write_text(DECL_HEAD + textwrap.indent(pickle_allow_block(findings), "    "))
    with pytest.raises(Exception, match="reason"):
        load_declaration(decl)


def test_dangerous_callable_never_proposed(tmp_path: Path) -> None:
    path = tmp_path / "evil.pkl"
    path.write_bytes(b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00idq\x00\x85R.")
    findings = [f for f in scan_file(path, "evil.pkl") if f.severity == "error"]
    assert findings
    block = pickle_allow_block(findings)
    assert block is None or "posix.system" not in block


def test_hostile_names_cannot_break_the_yaml(tmp_path: Path) -> None:
    path = tmp_path / "we\nird: [x].pkl"
    path.write_bytes(b"\x80\x02csklearn.tree._classes\nDecisionTreeClassifier\n)\x81.")
    findings = [f for f in scan_file(path, path.name) if f.severity == "error"]
    block = pickle_allow_block(findings)
    data = yaml.safe_load(block)
    entry = data["pickle-allow"][0]
    assert entry["callables"] == ["sklearn.tree._classes.DecisionTreeClassifier"]
    import fnmatch
    assert fnmatch.fnmatchcase(path.name, entry["file"])
