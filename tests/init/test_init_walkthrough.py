"""docs/walkthrough.md, step by step: the demo model from `mlmodel init` to a lint-clean .changes."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys

import pytest

from conftest import DEMO, TOP, dpkg_buildpackage, have, intree_env, needs_debhelper
from dh_mlmodel import cli

pytestmark = [pytest.mark.integration, needs_debhelper,
              pytest.mark.skipif(not have("debmake", "lintian"), reason="debmake and lintian needed")]

FILLED = '''    training-data:
      - name: "demo-corpus"  # from README.md (model card)
        availability: public
        license: CC0-1.0
        url: "https://example.org/dh-mlmodel/demo-embed/training/corpus.txt"
    data-information: true
    training-code:
      url: "https://example.org/dh-mlmodel/demo-embed/training/train.py"
      license: Expat
      completeness: complete
    reproducible: documented
'''


def test_walkthrough(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1764158400")
    model = tmp_path / "demo-embed"
    shutil.copytree(DEMO / "model", model)
    # 2. mlmodel init
    assert cli.main(["init", "--maintainer", "Jane Doe <jane@example.org>", str(model)]) == 0
    out = capsys.readouterr().out
    assert "TODO markers on lines 18, 23, 29" in out  # the lines the walkthrough shows
    # 3. the TODOs, filled as the walkthrough shows
    decl = model / "debian/mlmodel.yaml"
    text = decl.read_text()
    text = text.replace('    # TODO: the copyright holders of the weights, for debian/copyright: "YEAR Holder" or a list.\n'
                        '    copyright: null  # TODO\n', '    copyright: "2026 dh-mlmodel developers"\n')
    text = text[:text.index("    # TODO: for each dataset")] + FILLED
    assert not [line for line in text.splitlines() if "TODO" in line and not line.lstrip().startswith("#")]
    decl.write_text(text)
    # 4. verdict, sections, copyright, overrides
    assert cli.main(["classify", str(model)]) == 0
    assert capsys.readouterr().out.startswith("demo-embed: free -> main (ml-policy, rule 6)")
    for args in (["init", "--update-sections"], ["copyright", "--update"], ["overrides", "--update"]):
        assert cli.main([*args, str(model)]) == 0
    # 5. changelog, full build, lintian, mlmodel lint
    changelog = model / "debian/changelog"
    lines = changelog.read_text().splitlines(keepends=True)
    lines[0] = lines[0].replace("UNRELEASED", "unstable")
    lines = [re.sub(r"^(  \* Initial release, packaged with mlmodel init)\.", r"\1 (Closes: #1234567).", x) for x in lines]
    changelog.write_text("".join(lines))
    dpkg_buildpackage(model)
    changes = tmp_path / "demo-embed_0~20251126-1_amd64.changes"
    assert (tmp_path / "demo-embed_0~20251126-1.dsc").is_file() and changes.is_file()
    lint = subprocess.run(["lintian", "-I", "--pedantic", str(changes)], capture_output=True, text=True).stdout
    assert not [line for line in lint.splitlines() if re.match(r"[EW]: ", line)], lint
    proc = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "lint", "--fail-on", "warning", str(changes)],
                          capture_output=True, text=True,
                          env=intree_env({"PYTHONPATH": str(TOP)}))
    assert proc.returncode == 0 and not re.search(r"^[EW]: ", proc.stdout, re.M), proc.stdout + proc.stderr
    section = subprocess.run(["dpkg-deb", "-f", str(tmp_path / "demo-embed_0~20251126-1_all.deb"), "Section"],
                             capture_output=True, text=True, check=True).stdout.strip()
    assert section == "science"
