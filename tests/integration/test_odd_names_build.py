"""One real build of a model file named with a quote, a backslash and a star (issue 13, class 12).

`mlmodel copyright --update` writes the escaped DEP-5 pattern; dpkg-buildpackage
runs dh_mlmodel, whose copyright check matches it with python-debian; lintian
reads the debian/copyright and the .debs; `mlmodel lint` reads the .changes.
"""
from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tarfile

import pytest

from conftest import DEMO, TOP, copy_source, dpkg_buildpackage, have, intree_env, needs_debhelper

pytestmark = [pytest.mark.integration, needs_debhelper]
ODD = 'odd"na\\me*.json'


@pytest.mark.skipif(not have("lintian"), reason="lintian not installed")
def test_odd_name_builds_and_lintian_reads_its_copyright(tmp_path):
    src = copy_source(DEMO, tmp_path, "demo-embed-1.0")
    yaml_path = src / "debian/mlmodel.yaml"
    yaml_path.write_text(yaml_path.read_text().replace("    path: model\n",
                                                       '    path: model\n    exclude: ["notes-not-here.txt"]\n'))
    shutil.copy(src / "model/config.json", src / "model" / ODD)
    env = intree_env()
    subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "copyright", "--update", str(src)], check=True,
                   capture_output=True, env={**env, "PYTHONPATH": str(TOP)})
    proc = dpkg_buildpackage(src, "-b", check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert 'model/odd"na\\\\me\\*.json' in (src / "debian/copyright").read_text()
    deb = next(tmp_path.glob("demo-embed_*.deb"))
    # the name as dpkg unpacks it (dpkg-deb -c shows tar's quoting, `\\`)
    data = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(deb)], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        assert f"./usr/share/mlmodel/demo-embed/{ODD}" in tar.getnames()
    changes = next(tmp_path.glob("*.changes"))
    out = subprocess.run(["lintian", "--no-tag-display-limit", str(changes)], capture_output=True, text=True).stdout
    assert [line for line in out.splitlines() if "copyright" in line and line.startswith(("E:", "W:"))] == []
    lint = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "lint", str(changes)], capture_output=True,
                          text=True, env={**env, "PYTHONPATH": str(TOP)})
    assert lint.returncode == 0, lint.stdout + lint.stderr
