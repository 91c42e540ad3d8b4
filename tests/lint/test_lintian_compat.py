"""Overrides of mlmodel tags in lintian's own override files, as lintian sees them.

Lintian 2.116 calls an override of an unknown tag `alien-tag` (an error); with our tag files where
lintian looks for tags (here through --include-dir, once installed /usr/share/lintian/tags/mlmodel/)
it knows the tags and says nothing.  Copies are needed: lintian does not follow a symlinked directory.
"""
from __future__ import annotations

import shutil
import subprocess

import pytest

from dh_mlmodel.lint.tagdata import TAG_DIR
from lintdebs import MODEL_DIR, build_deb, demo_spec, lint, needs_dpkg_deb, with_record

pytestmark = [pytest.mark.integration, needs_dpkg_deb,
              pytest.mark.skipif(shutil.which("lintian") is None, reason="lintian not installed")]


@pytest.fixture(scope="module")
def overridden_deb(tmp_path_factory):
    work = tmp_path_factory.mktemp("compat")
    spec = demo_spec()
    spec.files[f"{MODEL_DIR}/.gitattributes"] = b"*.safetensors filter=lfs\n"
    spec.files["usr/share/lintian/overrides/demo-embed"] = \
        f"# the LFS attributes document how upstream stores the weights\nmlmodel-vcs-file [{MODEL_DIR}/.gitattributes]\n".encode()
    return build_deb(with_record(spec), work)


def lintian(*args: str) -> str:
    return subprocess.run(["lintian", "--allow-root", *args], capture_output=True, text=True).stdout


def test_mlmodel_lint_honours_the_override(overridden_deb):
    assert lint(overridden_deb).stdout.splitlines()[-1] == f"O: demo-embed: mlmodel-vcs-file [{MODEL_DIR}/.gitattributes]"


def test_lintian_without_our_tags_calls_it_alien(overridden_deb):
    assert "alien-tag mlmodel-vcs-file" in lintian(str(overridden_deb))


def test_lintian_with_our_tag_files_knows_them(overridden_deb, tmp_path):
    shutil.copytree(TAG_DIR, tmp_path / "tags" / "mlmodel")
    out = lintian("--include-dir", str(tmp_path), str(overridden_deb))
    assert "alien-tag" not in out
    assert "package-contains-vcs-control-file" in out  # lintian's own checks still ran
