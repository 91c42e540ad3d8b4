"""init's orig tarball: weights are not compressed a second time, and dpkg-source takes the result.

dpkg-source's 3.0 (quilt) format needs .orig.tar.{gz,bz2,lzma,xz} (no plain
.tar), so init writes gzip: level 0 (stored deflate blocks, only a CRC over
the bytes) when a sample of the tree says gzip -1 would not pay for itself
(deliver.compression's rule), level 1 otherwise.  Checked on the bytes: the
gzip header's XFL and the first deflate block's type, then the real
`dpkg-source -b` (which compares the orig tarball with the tree) and
`dpkg-source -x` (the extracted files hash as the originals).
"""
from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest

from conftest import DEMO
from dh_mlmodel import cli

np = pytest.importorskip("numpy")
safetensors_numpy = pytest.importorskip("safetensors.numpy")
pytestmark = pytest.mark.skipif(not shutil.which("debmake") or not shutil.which("dpkg-source"),
                                reason="debmake and dpkg-source (dpkg-dev) needed")

MAINTAINER = "Jane Doe <jane@example.org>"
MIB = 1 << 20


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764158400")


def model_tree(root: Path, weights: "np.ndarray") -> Path:
    tree = root / "demo-embed"
    shutil.copytree(DEMO / "model", tree)
    safetensors_numpy.save_file({"w": weights}, str(tree / "model.safetensors"))
    return tree


WEIGHTS = {
    "random": lambda: np.frombuffer(os.urandom(12 * MIB), dtype=np.float32).reshape(-1, 1024),
    "trained-like": lambda: (np.random.default_rng(0).standard_normal(3 * MIB) * 0.02).astype(np.float32)
    .reshape(-1, 1024),
}


def gzip_facts(path: Path) -> tuple[int, int]:
    """(XFL byte of the gzip header, type of the first deflate block: 0 stored, 1 fixed, 2 dynamic)."""
    head = path.read_bytes()[:64]
    assert head[:3] == b"\x1f\x8b\x08"
    flags, xfl = head[3], head[8]
    assert flags & 0x1e == 0  # no name, comment or extra field: reproducible
    return xfl, (head[10] >> 1) & 3


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("kind, xfl, block", [("random", 0, 0), ("trained-like", 4, 1)])
def test_orig_level_follows_the_content(tmp_path, kind, xfl, block):
    tree = model_tree(tmp_path, WEIGHTS[kind]())
    assert cli.main(["init", "--maintainer", MAINTAINER, str(tree)]) == 0
    (orig,) = tmp_path.glob("demo-embed_*.orig.tar.gz")
    got_xfl, got_block = gzip_facts(orig)
    assert got_xfl == xfl  # 4: "fastest" (level 1); 0 with a stored first block: level 0
    assert got_block == block or (kind == "trained-like" and got_block in (1, 2))
    raw = len(gzip.decompress(orig.read_bytes()))
    if kind == "random":
        assert orig.stat().st_size < raw * 1.001  # stored: a few bytes per 64 KiB block
    else:
        assert orig.stat().st_size < raw * 0.97  # trained-like float32 does shrink at level 1

    # dpkg-source -b unpacks the orig and compares it with the tree; -x must give the files back.
    env = {**os.environ, "DEB_BUILD_OPTIONS": "", "LC_ALL": "C.UTF-8"}
    proc = subprocess.run(["dpkg-source", "-b", tree.name], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    (dsc,) = tmp_path.glob("demo-embed_*.dsc")
    assert orig.name in dsc.read_text()
    proc = subprocess.run(["dpkg-source", "-x", dsc.name, "unpacked"], cwd=tmp_path, capture_output=True, text=True,
                          env=env)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    for f in sorted(p for p in tree.rglob("*") if p.is_file() and "debian" not in p.relative_to(tree).parts):
        assert sha256(tmp_path / "unpacked" / f.relative_to(tree)) == sha256(f), f


def test_orig_is_reproducible_at_level_zero(tmp_path):
    weights = WEIGHTS["random"]()
    digests = []
    for run in ("a", "b"):
        (tmp_path / run).mkdir()
        tree = model_tree(tmp_path / run, weights)
        assert cli.main(["init", "--maintainer", MAINTAINER, str(tree)]) == 0
        (orig,) = (tmp_path / run).glob("*.orig.tar.gz")
        digests.append(sha256(orig))
    assert digests[0] == digests[1]
    # and gzip itself reads it back, CRC and all
    assert zlib.crc32(gzip.decompress(orig.read_bytes())) is not None
