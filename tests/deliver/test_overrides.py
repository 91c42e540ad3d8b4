"""The lintian conditions our overrides mirror, and the merge that keeps human lines."""
from __future__ import annotations

import pytest

from dh_mlmodel.deliver import overrides


@pytest.mark.parametrize("path,expected", [
    ("usr/share/mlmodel/m/vocab.txt", True),
    ("usr/share/mlmodel/m/merges.txt", True),
    ("usr/share/mlmodel/m/README.md", True),
    ("usr/share/mlmodel/m/LICENSE", True),
    ("usr/share/mlmodel/m/tokenizer.json", False),
    ("usr/share/mlmodel/m/model.safetensors", False),
    ("usr/share/doc/p/README.md", False),
    ("usr/share/mlmodel/m/templates/x.txt", False),
])
def test_documentation_rule(path, expected):
    assert overrides.is_documentation_outside_doc(path) is expected


def test_binary_overrides_only_for_firing_files():
    out = overrides.binary_overrides(["usr/share/mlmodel/m/vocab.txt", "usr/share/mlmodel/m/model.gguf"])
    assert [o for _, o in out] == ["package-contains-documentation-outside-usr-share-doc [usr/share/mlmodel/m/vocab.txt]"]
    old = overrides.binary_overrides(["usr/share/mlmodel/m/vocab.txt"], brackets=False)
    assert old[0][1] == "package-contains-documentation-outside-usr-share-doc usr/share/mlmodel/m/vocab.txt"


@pytest.mark.parametrize("content,expected", [
    (b"a" * 511 + b"\n", False),  # 511 + newline = 512: not over
    (b"a" * 512 + b"\n", True),  # 513 with the newline lintian counts
    (b"a" * 512, False),  # last line without newline
    (b"a" * 513, True),
    ("é".encode() * 300 + b"\n", False),  # 600 bytes but 301 code points
    (b"\xff" * 600, True),  # not UTF-8: bytes count
    (b"short\n" * 1000, False),
    (b"\x00" * (3 << 20), True),  # streamed past the first chunk
])
def test_long_line_rule(tmp_path, content, expected):
    f = tmp_path / "model.safetensors"
    f.write_bytes(content)
    assert overrides.has_very_long_line(f) is expected


def test_long_line_skips_lintian_binary_extensions(tmp_path):
    (tmp_path / "x.zip").write_bytes(b"a" * 4000)
    (tmp_path / "x.json").write_bytes(b"a" * 4000)
    assert not overrides.has_very_long_line(tmp_path / "x.zip")
    assert not overrides.has_very_long_line(tmp_path / "x.json")


def test_merge_keeps_human_lines_and_replaces_ours():
    human = "# the maintainer's reason\nsome-tag [debian/x]\n"
    first = overrides.merge_overrides(human, [("mlmodel: a", "tag-a [m/a:*]")])
    assert first == human + "# mlmodel: a\ntag-a [m/a:*]\n"
    second = overrides.merge_overrides(first, [("mlmodel: b", "tag-b [m/b:*]")])
    assert second == human + "# mlmodel: b\ntag-b [m/b:*]\n"
    assert overrides.merge_overrides(second, [("mlmodel: b", "tag-b [m/b:*]")]) == second


def test_md5sums_complete_adds_ours_and_computes_foreign(tmp_path, monkeypatch):
    """Lines dh_mlmodel computed are used as they are; a file it did not install is hashed here."""
    import hashlib

    from dh_mlmodel.deliver import md5sums

    monkeypatch.chdir(tmp_path)
    root = tmp_path / "debian/pkg"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN/md5sums").write_text("0" * 32 + "  usr/share/doc/pkg/copyright\n")
    (root / "usr/share/mlmodel/m").mkdir(parents=True)
    (root / "usr/share/mlmodel/m/w.bin").write_bytes(b"weights")
    (root / "usr/share/mlmodel/m/extra.txt").write_bytes(b"extra")
    md5sums.generated_path("pkg").parent.mkdir(parents=True)
    md5sums.generated_path("pkg").write_text(md5sums.line("f" * 32, "usr/share/mlmodel/m/w.bin"))
    assert md5sums.complete(root, "pkg") == 2
    assert (root / "DEBIAN/md5sums").read_text() == (
        "0" * 32 + "  usr/share/doc/pkg/copyright\n"
        + hashlib.md5(b"extra").hexdigest() + "  usr/share/mlmodel/m/extra.txt\n"
        + "f" * 32 + "  usr/share/mlmodel/m/w.bin\n")
    assert md5sums.complete(root, "pkg") == 0  # complete already
