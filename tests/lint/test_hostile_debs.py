"""mlmodel lint on hostile packages (issue 13, class 11).

Hand-made .debs (ar + control.tar + data.tar written with tarfile, because
dpkg-deb --build refuses them) with '..' and absolute members; real
dpkg-deb --build packages with pickles and weights outside the model root;
.changes whose sizes or sums disagree with the files; data.tar bombs (zeros
compressed by dpkg-deb with gzip, xz and zstd), too many members, and a GNU
sparse member written by GNU tar.  What dpkg itself sees of the hand-made
packages is read back with `dpkg-deb -c`.
"""
from __future__ import annotations

import io
import os
import pickle
import shutil
import subprocess
import zipfile

import pytest

from dh_mlmodel.lint import inputs
from dh_mlmodel.lint.scan import scan_deb
from lintdebs import (MODEL_DIR, SAFETENSORS, build_deb, demo_spec, hints, lint, needs_dpkg_deb, raw_deb, tar_of,
                      with_record, write_changes)

pytestmark = needs_dpkg_deb


class _Evil:
    def __reduce__(self):
        return (os.system, ("true",))  # pickled, never loaded


EVIL = pickle.dumps({"w": _Evil()}, protocol=2)


def _torch_zip(data_pkl: bytes) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("archive/data.pkl", data_pkl)
        z.writestr("archive/version", "3\n")
    return buf.getvalue()


def _by_tag(found: list[dict], tag: str) -> list[tuple[str, str]]:
    return sorted((h["pointer"], h["note"]) for h in found if h["tag"] == tag)


def test_dotdot_absolute_and_hard_link_members_are_errors(tmp_path):
    deb = raw_deb(tmp_path, "evil", tar_of([
        ("./usr/share/doc/evil/README", b"fine\n", ""),
        ("./usr/share/mlmodel/m/../../../../etc/cron.d/evil", b"* * * * * root true\n", ""),
        ("/etc/evil.conf", b"x\n", ""),
        ("./usr/share/doc/evil/link", None, "../../../../etc/shadow"),
    ]))
    # dpkg sees these names as written: its own listing of the package
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True).stdout
    assert "/etc/evil.conf" in listing and "m/../../../../etc/cron.d/evil" in listing
    found = hints(deb)
    assert _by_tag(found, "mlmodel-unsafe-member-path") == [
        ("/etc/evil.conf", "member is absolute"),
        ("usr/share/doc/evil/link", "hard link target has a '..' component: '../../../../etc/shadow'"),
        ("usr/share/mlmodel/m/../../../../etc/cron.d/evil", "member has a '..' component"),
    ]
    assert lint(deb).returncode == 1


def test_pickle_under_a_hostile_name_is_scanned_and_reported_with_its_path(tmp_path):
    hostile = "usr/share/mlmodel/m/../../../lib/evil/x.pkl"
    found = hints(raw_deb(tmp_path, "evil", tar_of([(hostile, EVIL, "")])))
    assert {(h["tag"], h["pointer"]) for h in found} >= {
        ("mlmodel-unsafe-member-path", hostile), ("mlmodel-model-file-outside-model-root", hostile),
        ("pickle-imports-dangerous-callable", hostile)}


def test_pickles_and_models_outside_the_model_root_are_errors(tmp_path):
    spec = demo_spec()
    spec.files["usr/lib/foo/x.pkl"] = EVIL
    spec.files["usr/lib/foo/hidden.bin"] = _torch_zip(EVIL)  # a torch zip under any name
    spec.files["usr/share/foo/weights.safetensors"] = SAFETENSORS
    spec.files["usr/share/foo/notes.txt"] = b"configuration notes\n"
    spec.files[f"{MODEL_DIR}/model.pt"] = _torch_zip(EVIL)
    found = hints(build_deb(with_record(spec), tmp_path))
    assert _by_tag(found, "mlmodel-model-file-outside-model-root") == [
        ("usr/lib/foo/hidden.bin", "pytorch-zip model file"), ("usr/lib/foo/x.pkl", "pickle model file"),
        ("usr/share/foo/weights.safetensors", "safetensors model file")]
    dangerous = [(p, n) for p, n in _by_tag(found, "pickle-imports-dangerous-callable")]
    # each finding names the callable and where it is: the package path, and the member inside a container
    assert [p for p, _ in dangerous] == ["usr/lib/foo/hidden.bin:archive/data.pkl", "usr/lib/foo/x.pkl",
                                         f"{MODEL_DIR}/model.pt:archive/data.pkl"]
    assert all("system" in n for _, n in dangerous)
    assert lint(build_deb(with_record(demo_spec()), tmp_path / "clean")).stdout == ""


def test_changes_size_and_checksums_must_match_the_files(tmp_path):
    deb = build_deb(with_record(demo_spec()), tmp_path)
    changes = write_changes(tmp_path / "demo-embed_1.0_all.changes", [deb])
    assert [h for h in hints(changes) if h["type"] == "changes"] == []
    text = changes.read_text()
    sha256 = text.split("Checksums-Sha256:\n ")[1].split()[0]
    changes.write_text(text.replace(sha256, "0" * 64))
    found = hints(changes)
    assert _by_tag(found, "mlmodel-changes-checksum-mismatch") == [
        (deb.name, f"Checksums-Sha256: sha256 {'0' * 16}… listed, {sha256[:16]}… on disk")]
    # the package replaced after the .changes was written: all three fields and the size disagree
    write_changes(changes, [deb])
    spec = demo_spec()
    spec.files[f"{MODEL_DIR}/extra.json"] = b"{}\n"
    build_deb(with_record(spec), tmp_path)
    notes = [n for _, n in _by_tag(hints(changes), "mlmodel-changes-checksum-mismatch")]
    assert sorted(n.split(" ")[:2] for n in notes) == [
        ["Checksums-Sha1:", "sha1"], ["Checksums-Sha1:", "size"], ["Checksums-Sha256:", "sha256"],
        ["Checksums-Sha256:", "size"], ["Files:", "md5sum"], ["Files:", "size"]]
    lines = lint(changes).stdout.splitlines()
    assert any(line.startswith("E: demo-embed changes: mlmodel-changes-checksum-mismatch Files: size ")
               and line.endswith(f"[{deb.name}]") for line in lines)


@pytest.mark.parametrize("compression", ["gzip", "xz", "zstd"])
def test_decompression_bomb_stops_at_the_budget(tmp_path, monkeypatch, compression):
    """16 MiB of zeros compress to a few KiB: past 200x that plus the (test-sized) slack, reading stops."""
    monkeypatch.setattr(inputs, "DATA_SLACK", 1 << 20)
    spec = demo_spec(compression=compression)
    spec.files["usr/share/foo/zeros"] = bytes(16 << 20)
    spec.files["usr/share/foo/zz-after"] = b"after\n"
    deb = build_deb(with_record(spec), tmp_path)
    compressed = inputs.data_budget(deb)
    scan = scan_deb(deb)
    assert scan.limit.startswith(f"{compressed[0]} decompresses to more than {compressed[1]} bytes")
    assert "usr/share/foo/zz-after" not in scan.members
    assert ("mlmodel-data-limit-exceeded", "error") in {(h["tag"], h["visibility"]) for h in hints(deb)}


def test_decompression_bomb_without_dpkg_deb(tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "DATA_SLACK", 1 << 20)
    monkeypatch.setenv("DH_MLMODEL_LINT_NO_DPKG_DEB", "1")
    spec = demo_spec(compression="xz")
    spec.files["usr/share/foo/zeros"] = bytes(16 << 20)
    assert "mlmodel-data-limit-exceeded" in {h["tag"] for h in hints(build_deb(with_record(spec), tmp_path))}


def test_member_count_is_capped(tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "MAX_MEMBERS", 40)
    spec = demo_spec()
    for i in range(50):
        spec.files[f"usr/share/foo/f{i:03d}"] = b"x"
    found = _by_tag(hints(build_deb(with_record(spec), tmp_path)), "mlmodel-data-limit-exceeded")
    assert found == [("", "data.tar.gz has more than 40 members; not read further")]


def test_member_count_below_the_cap_is_not_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "MAX_MEMBERS", 40)
    spec = demo_spec()  # ./, usr/, …: about 15 members
    assert "mlmodel-data-limit-exceeded" not in {h["tag"] for h in hints(build_deb(with_record(spec), tmp_path))}


@pytest.mark.skipif(shutil.which("tar") is None or shutil.which("truncate") is None, reason="needs GNU tar")
def test_sparse_member_is_not_read_as_its_claimed_size(tmp_path):
    """A GNU sparse member of 64 MiB apparent size and no data: reported, never expanded to zeros."""
    root = tmp_path / "root"
    (root / "usr/share/foo").mkdir(parents=True)
    subprocess.run(["truncate", "-s", "64M", str(root / "usr/share/foo/holes")], check=True)
    for fmt in ("gnu", "posix"):
        data = subprocess.run(["tar", "--sparse", f"--format={fmt}", "-cf", "-", "-C", str(root), "./usr"],
                              capture_output=True, check=True).stdout
        assert len(data) < 1 << 20
        deb = raw_deb(tmp_path / fmt, "sparse", data)
        scan = scan_deb(deb)
        assert scan.members["usr/share/foo/holes"].kind == "sparse" and "usr/share/foo/holes" not in scan.files
        assert _by_tag(hints(deb), "mlmodel-unsupported-member-type") == [
            ("usr/share/foo/holes", "GNU/PAX sparse file (its holes are not read; dpkg does not unpack it)")]


def test_pickle_that_passes_for_a_safetensors_header_outside_the_root(tmp_path, monkeypatch):
    """`\\x80\\x02U\\x05` + 4 zeros + `{` reads as a safetensors length (89,457,280) and JSON start, so lint
    spools only that "header"; it is also a pickle that calls posix.system: scanned all the same."""
    monkeypatch.setattr(inputs, "DATA_RATIO_LIMIT", 100_000)  # the zero padding compresses like a bomb
    payload = b"\x80\x02U\x05\x00\x00\x00\x00{" + b"0cposix\nsystem\nX\x04\x00\x00\x00true\x85R."
    size = 8 + int.from_bytes(payload[:8], "little") + 4096  # longer than the "header": a header-only spool
    spec = demo_spec()
    spec.files["usr/lib/foo/weights.bin"] = payload + bytes(size - len(payload))
    deb = build_deb(with_record(spec), tmp_path)
    assert scan_deb(deb).files["usr/lib/foo/weights.bin"].partial
    found = hints(deb)
    assert ("usr/lib/foo/weights.bin", "pickle-imports-dangerous-callable") in {(h["pointer"], h["tag"])
                                                                                for h in found}
    assert "mlmodel-model-file-outside-model-root" in {h["tag"] for h in found}
