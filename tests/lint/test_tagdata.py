"""The tag files: lintian's form, read with python-debian; one for every tag the stages and lint emit."""
from __future__ import annotations

import re
from pathlib import Path

from debian import deb822

from dh_mlmodel.lint import tagdata
from dh_mlmodel.model import SEVERITIES

TOP = Path(__file__).resolve().parents[2]
EMITTED = re.compile(r'(?:Finding|Hint|\.add)\(\s*"([a-z][a-z0-9-]+)"|:\s*"(pickle-[a-z-]+)"[,}]|TAG = "([a-z-]+)"')


def emitted_tags() -> set[str]:
    found = set()
    for path in (TOP / "dh_mlmodel").rglob("*.py"):
        for m in EMITTED.finditer(path.read_text()):
            found.add(next(g for g in m.groups() if g))
    return found


def test_every_tag_file_is_lintian_form():
    files = sorted(tagdata.TAG_DIR.glob("*.tag"))
    assert len(files) >= 40
    for path in files:
        with open(path) as fh:
            paragraphs = list(deb822.Deb822.iter_paragraphs(fh))
        assert len(paragraphs) == 1, path
        fields = paragraphs[0]
        assert set(fields) == {"Tag", "Severity", "Check", "See-Also", "Explanation"}, path
        assert fields["Tag"] == path.stem and fields["Severity"] in SEVERITIES
        assert "To fix:" in fields["Explanation"], path


def test_every_emitted_tag_has_a_tag_file():
    emitted = emitted_tags()
    assert {"lfs-pointer-instead-of-model", "pickle-format-used", "pickle-import-unresolved",
            "mlmodel-vcs-file"} <= emitted  # the scan finds the stages' tags and lint's own
    assert sorted(emitted - set(tagdata.all_tags())) == []


def test_issue_tags_exist():
    """The tags issue 7 asks for, under the names the stages already use where they had one."""
    wanted = ["lfs-pointer-instead-of-model", "malformed-model-file", "pickle-imports-dangerous-callable",
              "pickle-imports-unlisted-callable", "pickle-format-used", "mlmodel-file-checksum-mismatch",
              "mlmodel-record-missing", "mlmodel-section-mismatch", "mlmodel-license-not-dfsg-free",
              "mlmodel-copyright-stanza-missing", "mlmodel-training-data-undeclared",
              "mlmodel-weights-in-arch-any-package", "mlmodel-executable-model-file", "mlmodel-vcs-file",
              "mlmodel-tokenizer-not-utf8", "chat-template-sandbox-escape", "onnx-external-data-missing",
              "onnx-external-data-outside-model", "remote-code-required", "python-code-shipped",
              "mlmodel-duplicate-file", "mlmodel-license-mismatch", "mlmodel-empty-split-package"]
    assert [t for t in wanted if t not in tagdata.all_tags()] == []


def test_docs_tags_md_is_generated_from_the_tag_files():
    assert (TOP / "docs" / "tags.md").read_text() == tagdata.markdown()


def test_explanation_keeps_paragraphs():
    info = tagdata.tag_info("mlmodel-vcs-file")
    assert info.severity == "warning" and "\n\nTo fix:" in info.explanation


def test_unknown_tag_falls_back_to_stage_severity():
    assert tagdata.tag_info("no-such-tag", "error").severity == "error"
