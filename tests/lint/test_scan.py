"""One streaming pass per .deb: hashes, header-only spools, flat memory."""
from __future__ import annotations

import hashlib

import pytest

from conftest import Cost
from dh_mlmodel.lint.scan import OUTSIDE_SPOOL, scan_deb
from lintdebs import MODEL_DIR, build_deb, demo_spec, needs_dpkg_deb, with_record

pytestmark = needs_dpkg_deb


def safetensors_deb(tmp_path_factory, rows: int):
    np = pytest.importorskip("numpy")
    st = pytest.importorskip("safetensors.numpy")
    rng = np.random.default_rng(7)
    data = st.save({"embed": rng.standard_normal((rows, 2048), dtype=np.float32),
                    "head": rng.standard_normal((1024, 1024), dtype=np.float32)}, metadata={"license": "CC0-1.0"})
    spec = demo_spec()
    spec.files[f"{MODEL_DIR}/model.safetensors"] = data
    return build_deb(with_record(spec), tmp_path_factory.mktemp("big")), data


@pytest.fixture(scope="module")
def big_safetensors(tmp_path_factory):
    return safetensors_deb(tmp_path_factory, 2048)


@pytest.fixture(scope="module")
def bigger_safetensors(tmp_path_factory):
    return safetensors_deb(tmp_path_factory, 3 * 2048)


def peak_of_scan(deb):
    with Cost() as cost:
        scan = scan_deb(deb)
    return scan, cost.peak


def test_big_safetensors_is_described_from_its_header_only(big_safetensors, bigger_safetensors):
    deb, data = big_safetensors
    scan, peak = peak_of_scan(deb)
    _, bigger_peak = peak_of_scan(bigger_safetensors[0])
    shipped = scan.files[f"{MODEL_DIR}/model.safetensors"]
    assert shipped.sha256 == hashlib.sha256(data).hexdigest()
    assert shipped.partial  # 20 MiB of tensors never written to the spool
    meta = shipped.facts.metadata
    assert meta["tensors"] == 2 and meta["parameters"] == 2048 * 2048 + 1024 * 1024 and meta["license"] == "CC0-1.0"
    assert shipped.facts.findings == ()
    # Python's allocations do not grow with the file: three times the weights (20 -> 52 MiB), under 1 MiB
    # more memory; the whole scan stays within its read buffers.
    assert bigger_peak - peak < 1 << 20, (peak, bigger_peak)
    assert peak < 16 << 20, peak


def test_small_files_are_spooled_whole(tmp_path):
    scan = scan_deb(build_deb(with_record(demo_spec()), tmp_path))
    shipped = scan.files[f"{MODEL_DIR}/config.json"]
    assert not shipped.partial and shipped.facts.artifact.format == "config-json"
    assert shipped.facts.metadata["architecture"] == "DemoEmbedding"


def test_members_symlinks_and_modes_are_seen(tmp_path):
    spec = demo_spec()
    spec.symlinks[f"{MODEL_DIR}/alias.safetensors"] = "model.safetensors"
    spec.modes[f"{MODEL_DIR}/config.json"] = 0o600
    scan = scan_deb(build_deb(with_record(spec), tmp_path))
    assert scan.members[f"{MODEL_DIR}/alias.safetensors"].kind == "symlink"
    assert scan.members[f"{MODEL_DIR}/alias.safetensors"].linkname == "model.safetensors"
    assert scan.members[f"{MODEL_DIR}/config.json"].mode & 0o777 == 0o600
    assert f"{MODEL_DIR}/alias.safetensors" not in scan.files  # only regular files are hashed


def test_hostile_member_names_are_not_spooled_outside(tmp_path):
    """A tar member `usr/share/mlmodel/x/../../../../tmp/…` is hashed, never written anywhere."""
    import io
    import subprocess
    import tarfile

    root = tmp_path / "root"
    (root / "DEBIAN").mkdir(parents=True)
    (root / "DEBIAN" / "control").write_text("Package: evil\nVersion: 1\nArchitecture: all\nMaintainer: e <e@e>\n"
                                             "Description: e\n e\n")
    escape = tmp_path / "escaped"
    data = tmp_path / "data.tar"
    with tarfile.open(data, "w") as tar:
        info = tarfile.TarInfo(f"./{MODEL_DIR}/../../../../../../{escape.relative_to('/')}")
        payload = b"x" * 10
        info.size = len(payload)
        tar.addfile(info, io.BytesIO(payload))
    control = tmp_path / "control.tar"
    with tarfile.open(control, "w") as tar:
        tar.add(root / "DEBIAN" / "control", arcname="./control")
    (tmp_path / "debian-binary").write_text("2.0\n")
    evil = tmp_path / "evil.deb"
    subprocess.run(["ar", "rc", str(evil), "debian-binary", "control.tar", "data.tar"], cwd=tmp_path, check=True)
    scan = scan_deb(evil)
    assert not escape.exists()
    # not inspected as a model file; scanned from the one fixed spool name, never from its own name
    assert [(f.model, f.facts.artifact.path.name) for f in scan.files.values()] == [("", OUTSIDE_SPOOL)]
