"""init on a scikit-learn model (issue #15): the pickle-allow block dh_mlmodel will ask for is in
debian/mlmodel.yaml, commented out as a TODO; uncommented with a reason, the declaration accepts every
callable the real pickle imports.  The pickle is written by the real scikit-learn and joblib."""
from __future__ import annotations

import re
import shutil

import pytest

from dh_mlmodel import cli, risk
from dh_mlmodel.declaration import load_declaration
from dh_mlmodel.risk import apply_allowlist, scan_file

pytestmark = pytest.mark.skipif(not shutil.which("debmake"), reason="debmake not installed (apt install debmake)")
sklearn = pytest.importorskip("sklearn", reason="python3-sklearn (tools/setup)")
joblib = pytest.importorskip("joblib")


def _fitted(path):
    import numpy as np
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.arange(40.0).reshape(20, 2)
    joblib.dump(make_pipeline(StandardScaler(), LogisticRegression()).fit(x, (x[:, 0] > 20).astype(int)), path)


def _uncomment(text: str) -> str:
    """The maintainer's edit: the commented block uncommented and its reason written."""
    out = []
    for line in text.splitlines(keepends=True):
        m = re.match(r"^    # (  |)(pickle-allow:|- file:|  callables:|  reason:)(.*)$", line.rstrip("\n"))
        out.append(f"    {m.group(1)}{m.group(2)}{m.group(3)}\n" if m else line)
    return re.sub(r"reason: null .*", "reason: reviewed; scikit-learn 1.2 in Debian", "".join(out))


def test_init_writes_the_block_commented_out(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764158400")
    model = tmp_path / "clf"
    model.mkdir()
    _fitted(model / "clf.joblib")
    assert cli.main(["init", "--maintainer", "Jane Doe <jane@example.org>", "--no-orig", str(model)]) in (0, 1)
    text = (model / "debian/mlmodel.yaml").read_text()
    assert "pickle-allow:" in text and "# TODO" in text
    assert not re.search(r"^\s*pickle-allow:", text, re.M)  # commented out: nothing accepted unread
    findings = scan_file(model / "clf.joblib", "clf.joblib")
    wanted = {risk.finding_callable(f) for f in findings} - {None}
    assert "sklearn.pipeline.Pipeline" in wanted
    for name in wanted:
        assert name in text
    # The block, uncommented, under a declaration whose other TODOs are not under test here.
    block = "".join(line for line in _uncomment(text).splitlines(keepends=True)
                    if re.match(r"^    (pickle-allow:|  - file:|    callables:|    reason:)", line))
    decl = tmp_path / "mlmodel.yaml"
    decl.write_text("format: 1\nmodels:\n  - name: clf\n    path: .\n    license: MIT\n    copyright: 2026 X\n"
                    "    training-data: undeclared\n    training-code: {completeness: missing}\n" + block)
    m = next(x for x in load_declaration(decl).models)
    kept, accepted = apply_allowlist(findings, m.pickle_allow)
    assert {a["callable"] for a in accepted} == wanted
    assert not [f for f in kept if f.tag in risk.ACCEPTABLE_TAGS]
