"""Every substvar dh_mlmodel documents is defined for every package it acts on (issue #15).

A maintainer's debian/control may name `${mlmodel:Depends}` in a package that
gets no model file (a -doc or -tokenizer package, an arch:any one); dpkg-gencontrol
warns about an undefined substvar, so dh_mlmodel defines each one, empty
where nothing applies.  The oracle is dpkg-gencontrol itself.
"""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from conftest import intree_env, needs_debhelper
from dh_mlmodel.deliver.substvars import DOCUMENTED

pytestmark = [pytest.mark.integration, needs_debhelper]
PACKAGES = ("demo-embed", "demo-embed-tokenizer", "demo-embed-doc")


def _documented_in_man() -> set[str]:
    man = (Path(__file__).resolve().parents[2] / "man/dh_mlmodel.1").read_text()
    return set(re.findall(r"\$\{(mlmodel:[A-Za-z-]+)\}", man))


def test_documented_list_is_the_man_page():
    assert set(DOCUMENTED) == _documented_in_man()


def test_every_package_defines_every_documented_substvar(demo_source):
    control = demo_source / "debian/control"
    # Every package names every variable, as a maintainer copying the weights stanza would.
    used = ", ".join(f"${{{v}}}" for v in DOCUMENTED if v != "mlmodel:Category")
    control.write_text(re.sub(r"^Depends: \$\{misc:Depends\}.*$", f"Depends: ${{misc:Depends}}, {used}",
                              control.read_text(), flags=re.M))
    proc = subprocess.run(["dh_mlmodel"], cwd=demo_source, env=intree_env(), capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    for pkg in PACKAGES:
        text = (demo_source / f"debian/{pkg}.substvars").read_text()
        defined = {line.split("=", 1)[0].rstrip("?") for line in text.splitlines()}
        assert set(DOCUMENTED) <= defined, (pkg, text)
        gen = subprocess.run(["dpkg-gencontrol", f"-p{pkg}", f"-Tdebian/{pkg}.substvars", "-O"],
                             cwd=demo_source, capture_output=True, text=True, env=intree_env())
        assert gen.returncode == 0, gen.stderr
        # ${misc:Depends} is dh_installdeb's, which has not run here.
        assert "${mlmodel:" not in gen.stderr, (pkg, gen.stderr)
        assert "${mlmodel:" not in gen.stdout, gen.stdout
