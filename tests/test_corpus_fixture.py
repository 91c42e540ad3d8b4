"""The corpus fixture and unpacker: a case that cannot be fetched fails its own tests, by name, under CI=true."""
from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import tarfile
import warnings

import pytest

from conftest import TOP
from corpus_fixture import corpus  # noqa: F401 - the fixture
from dh_mlmodel import corpus as corpus_module

NPM_TEST = "tests/test_corpus_policy.py::test_npm_vad_web_package_licence_disagrees_with_the_declared_one"
AKIKI_TEST = "tests/test_corpus_policy.py::test_akiki_lineage_through_the_silero_teacher"


def _pytest(env_extra: dict, tmp_path, *nodeids: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "DH_MLMODEL_STRICT", "DH_MLMODEL_ALLOW_SKIP")}
    # An empty corpus but for akiki, and an npm registry nobody answers on (no cache, no retries).
    env.update(DH_MLMODEL_CORPUS=str(tmp_path / "corpus"), npm_config_registry="http://127.0.0.1:9/",
               npm_config_cache=str(tmp_path / "npm-cache"), npm_config_fetch_retries="0", **env_extra)
    return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfEs", *nodeids],
                          cwd=TOP, env=env, capture_output=True, text=True)


@pytest.fixture
def corpus_with_akiki_only(corpus, tmp_path):  # noqa: F811
    shutil.copytree(corpus / "akiki", tmp_path / "corpus" / "akiki", symlinks=True)
    return tmp_path


@pytest.mark.corpus
def test_missing_case_fails_under_ci_naming_the_case(corpus_with_akiki_only):
    proc = _pytest({"CI": "true"}, corpus_with_akiki_only, NPM_TEST, AKIKI_TEST)
    out = proc.stdout
    assert proc.returncode == 1, out[-3000:]
    assert "1 failed, 1 passed" in out and "skipped" not in out, out[-3000:]
    (line,) = [line for line in out.splitlines() if line.startswith("FAILED ") and "npm_vad_web" in line]
    assert "corpus case npm-vad-web is not available: npm-vad-web: npm pack" in line, line


@pytest.mark.corpus
def test_missing_case_skips_only_with_the_opt_out(corpus_with_akiki_only):
    proc = _pytest({"CI": "true", "DH_MLMODEL_ALLOW_SKIP": "1"}, corpus_with_akiki_only, NPM_TEST, AKIKI_TEST)
    out = proc.stdout
    assert proc.returncode == 0, out[-3000:]
    assert "1 passed, 1 skipped" in out, out[-3000:]
    assert any(line.startswith("SKIPPED ") and "corpus case npm-vad-web is not available" in line
               for line in out.splitlines()), out[-3000:]


def _tar(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mode = len(data), 0o644
            tf.addfile(info, io.BytesIO(data))
        link = tarfile.TarInfo("package/escape")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tf.addfile(link)
    return buf.getvalue()


def test_unpack_tar_extracts_without_warnings(tmp_path, monkeypatch):
    """Python 3.12+ warns (3.14: another default) when extract() is called without filter=; we pass 'data'."""
    archive = tmp_path / "p.tgz"
    archive.write_bytes(_tar({"package/model.onnx": b"x" * 10, "package/doc/README": b"hi"}))
    dest = tmp_path / "out"
    dest.mkdir()
    filters, extract = [], tarfile.TarFile.extract

    def recording(self, *args, **kwargs):
        filters.append(kwargs.get("filter"))
        return extract(self, *args, **kwargs)

    monkeypatch.setattr(tarfile.TarFile, "extract", recording)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        corpus_module._unpack_tar(archive, dest, ())
    # Pythons with the filter (3.12+, and 3.11.4+ such as this venv's may be) get it; Debian 12's 3.11.2 has none.
    assert filters == (["data", "data"] if hasattr(tarfile, "data_filter") else [None, None])
    assert (dest / "package/model.onnx").read_bytes() == b"x" * 10
    assert (dest / "package/doc/README").read_bytes() == b"hi"
    assert not (dest / "package/escape").exists() and not (dest / "package/escape").is_symlink()
