"""md5sums.complete: the model files' DEBIAN/md5sums lines, from dh_mlmodel's list or computed for the rest."""
from __future__ import annotations

import hashlib

from dh_mlmodel.deliver import md5sums


def test_complete_uses_our_lines_and_computes_the_others(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "debian/pkg"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN/md5sums").write_text(f"{'0' * 32}  usr/share/doc/pkg/README\n")
    model = root / "usr/share/mlmodel/m"
    model.mkdir(parents=True)
    (model / "w.bin").write_bytes(b"weights")
    (model / "extra.txt").write_bytes(b"installed by dh_install, not by dh_mlmodel")
    generated = md5sums.generated_path("pkg")
    generated.parent.mkdir(parents=True)
    # dh_mlmodel's line for w.bin (from its single read); a made-up value shows it is used, not recomputed
    generated.write_text(md5sums.line("1" * 32, "usr/share/mlmodel/m/w.bin"))
    assert md5sums.complete(root, "pkg") == 2
    assert (root / "DEBIAN/md5sums").read_text() == (
        f"{'0' * 32}  usr/share/doc/pkg/README\n"
        f"{hashlib.md5(b'installed by dh_install, not by dh_mlmodel').hexdigest()}  usr/share/mlmodel/m/extra.txt\n"
        f"{'1' * 32}  usr/share/mlmodel/m/w.bin\n")
    assert md5sums.complete(root, "pkg") == 0  # already listed: left alone


def test_no_md5sums_file_is_left_alone(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    root = tmp_path / "debian/pkg"
    (root / "usr/share/mlmodel/m").mkdir(parents=True)
    (root / "usr/share/mlmodel/m/w.bin").write_bytes(b"x")
    assert md5sums.complete(root, "pkg") == 0
    assert not (root / "DEBIAN/md5sums").exists()
