"""dh-mlmodel's own .deb: built with dpkg-buildpackage, lintian-clean, installed, and used."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from chroots import build_own_deb, system_env
from conftest import DEMO, TOP, deb_files, have, needs_debhelper

pytestmark = [pytest.mark.integration, needs_debhelper]


@pytest.fixture(scope="module")
def own_deb(tmp_path_factory) -> Path:
    deb, log = build_own_deb(TOP, tmp_path_factory.mktemp("own"), run_tests=True)
    assert " passed" in log  # the unit tests ran at build time
    return deb


def test_contents(own_deb):
    files = deb_files(own_deb)
    for path in ("usr/bin/dh_mlmodel", "usr/bin/mlmodel", "usr/share/perl5/Debian/Debhelper/Sequence/mlmodel.pm",
                 "usr/lib/python3/dist-packages/dh_mlmodel/dh.py", "usr/share/man/man1/dh_mlmodel.1.gz",
                 "usr/share/man/man1/mlmodel.1.gz", "usr/share/dh-mlmodel/pbuilder/B90mlmodel-lint",
                 "usr/share/dh-mlmodel/sbuild/sbuildrc", "usr/share/dh-mlmodel/templates/autopkgtest/control.j2",
                 "usr/share/lintian/tags/mlmodel/lfs-pointer-instead-of-model.tag",
                 "usr/share/doc/dh-mlmodel/README.sbuild"):
        assert path in files
    # lintian's package-contains-documentation-outside-usr-share-doc: READMEs belong in /usr/share/doc
    assert "usr/share/dh-mlmodel/sbuild/README" not in files
    assert files["usr/share/dh-mlmodel/pbuilder/B90mlmodel-lint"][0] == "-rwxr-xr-x"  # pbuilder runs hooks
    assert not [p for p in files if "__pycache__" in p or p.endswith(".pyc")]
    fields = subprocess.run(["dpkg-deb", "-f", str(own_deb), "Provides", "Depends", "Architecture"],
                            capture_output=True, text=True, check=True).stdout
    assert "Provides: dh-sequence-mlmodel" in fields and "Architecture: all" in fields
    for dep in ("python3-debian", "python3-yaml", "python3-jinja2", "debhelper"):
        assert dep in fields


@pytest.mark.skipif(not have("lintian"), reason="lintian not installed")
def test_lintian_no_errors_or_warnings(own_deb):
    (changes,) = own_deb.parent.glob("*.changes")
    out = subprocess.run(["lintian", "-I", "--pedantic", str(changes)], capture_output=True, text=True).stdout
    # Standards-Version 4.6.2 is bookworm's newest; trixie's lintian calls it out of date (an I:)
    bad = [line for line in out.splitlines() if line.startswith(("E:", "W:", "I:", "P:"))
           and " out-of-date-standards-version " not in line]
    assert bad == []


@pytest.mark.skipif(os.geteuid() != 0, reason="installing a .deb needs root (CI runs as root)")
def test_installed_deb_builds_the_demo(own_deb, tmp_path):
    apt = ["apt-get", "-y", "-q", "--no-install-recommends", "-o", "Dpkg::Use-Pty=0"]
    subprocess.run([*apt, "install", str(own_deb)], check=True, capture_output=True, env=system_env())
    try:
        assert shutil.which("dh_mlmodel", path=system_env()["PATH"]) == "/usr/bin/dh_mlmodel"
        src = tmp_path / "demo-embed-1.0"
        shutil.copytree(DEMO, src)
        # No PATH or PERL5LIB tricks, and no -d: dpkg-checkbuilddeps finds dh-sequence-mlmodel provided.
        proc = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=system_env(),
                              capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        (deb,) = tmp_path.glob("demo-embed_*_all.deb")
        assert "usr/share/mlmodel/demo-embed/model.safetensors" in deb_files(deb)
    finally:
        subprocess.run([*apt, "purge", "dh-mlmodel"], capture_output=True, env=system_env())
