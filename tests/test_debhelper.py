"""The Dh_Lib conventions, checked against real debhelper (dh_listpackages)."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conftest import needs_debhelper
from dh_mlmodel import debhelper
from dh_mlmodel.debhelper import DhError, parse_dh_args

CONTROL = """\
Source: foo-model
Section: science
Priority: optional
Maintainer: Test <test@example.org>
Build-Depends: debhelper-compat (= 13)
Standards-Version: 4.6.2

Package: foo-model
Architecture: all
Description: weights
 x

Package: foo-model-bin
Architecture: any
Description: a binary
 x

Package: foo-model-extra
Architecture: all
Build-Profiles: <!nobin>
Description: extra
 x
"""

pytestmark = needs_debhelper


@pytest.fixture
def srcdir(tmp_path, monkeypatch):
    (tmp_path / "debian").mkdir()
    (tmp_path / "debian/control").write_text(CONTROL)
    (tmp_path / "debian/changelog").write_text(
        "foo-model (1.0) unstable; urgency=medium\n\n  * x\n\n -- T <t@example.org>  Thu, 26 Nov 2026 12:00:00 +0000\n")
    monkeypatch.chdir(tmp_path)
    for var in ("DH_OPTIONS", "DH_INTERNAL_OPTIONS", "DH_VERBOSE", "DH_QUIET", "DH_NO_ACT", "DEB_BUILD_PROFILES",
                "DEB_BUILD_OPTIONS", "DH_ALWAYS_EXCLUDE"):
        monkeypatch.delenv(var, raising=False)
    return tmp_path


def real_listpackages(args, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    proc = subprocess.run(["dh_listpackages", *args], capture_output=True, text=True, env=env)
    return proc.returncode, proc.stdout.split()


def ours(args, env_extra=None):
    env = dict(os.environ, **(env_extra or {}))
    try:
        return parse_dh_args("dh_mlmodel", args, environ=env).packages
    except debhelper.NothingToDo:
        return []


SELECTIONS = [
    ([], None),
    (["-i"], None),
    (["-a"], None),
    (["--indep"], None),
    (["-pfoo-model-bin"], None),
    (["-p", "foo-model", "-p", "foo-model-extra"], None),
    (["--package=foo-model"], None),
    (["-Nfoo-model"], None),
    (["--no-package", "foo-model-bin", "-i"], None),
    (["-a", "-O--foo=bar"], None),
    (["-O-Nfoo-model-bin"], None),
    ([], {"DH_INTERNAL_OPTIONS": "-i"}),
    (["-pfoo-model-extra"], {"DH_INTERNAL_OPTIONS": "-i"}),
    ([], {"DH_INTERNAL_OPTIONS": "-a"}),
    ([], {"DH_OPTIONS": "-Nfoo-model"}),
    ([], {"DEB_BUILD_PROFILES": "nobin"}),
    (["-i"], {"DEB_BUILD_PROFILES": "nobin"}),
]


@pytest.mark.parametrize("args,env", SELECTIONS, ids=[f"{a}{e or ''}" for a, e in SELECTIONS])
def test_selection_matches_dh_listpackages(srcdir, args, env):
    rc, expected = real_listpackages([a for a in args if not a.startswith("-O--foo")], env)
    assert rc == 0
    assert ours(args, env) == expected


def test_unknown_package_is_dh_error(srcdir):
    with pytest.raises(DhError, match="Requested unknown package nope via -p/--package"):
        ours(["-pnope"])


def test_plain_unknown_option_is_fatal_like_dh(srcdir):
    with pytest.raises(DhError, match="^unknown option or error during option parsing; aborting$"):
        ours(["--foo"])


def test_unknown_O_option_is_ignored_known_is_applied(srcdir):
    ctx = parse_dh_args("dh_mlmodel", ["-O--foo=bar", "-O-v", "-O--no-act"], environ=dict(os.environ))
    assert ctx.verbose and ctx.no_act


def test_tool_options_via_O(srcdir):
    def tool(p):
        p.add_argument("--policy")
    ctx = parse_dh_args("dh_mlmodel", ["-O--policy=osaid"], tool, environ=dict(os.environ))
    assert ctx.opts.policy == "osaid"


def test_dh_options_unknown_only_warns(srcdir, capsys):
    ctx = parse_dh_args("dh_mlmodel", [], environ=dict(os.environ, DH_OPTIONS="--frobnicate -v"))
    assert "ignored unknown options in DH_OPTIONS" in capsys.readouterr().err
    assert ctx.verbose  # the known part still applies


def test_environment_flags(srcdir):
    env = dict(os.environ, DH_VERBOSE="1", DH_NO_ACT="1", DH_ALWAYS_EXCLUDE="CVS:.git")
    ctx = parse_dh_args("dh_mlmodel", ["-X", "foo"], environ=env)
    assert ctx.verbose and ctx.no_act and not ctx.quiet
    assert ctx.excluded("a/.git/b") and ctx.excluded("x/foo") and not ctx.excluded("model.safetensors")


@pytest.mark.parametrize("env", [{"DH_QUIET": "1"}, {"DEB_BUILD_OPTIONS": "nocheck terse"}])
def test_quiet(srcdir, env):
    assert parse_dh_args("dh_mlmodel", [], environ=dict(os.environ, **env)).quiet


def test_verbose_wins_over_quiet(srcdir):
    assert not parse_dh_args("dh_mlmodel", ["-v"], environ=dict(os.environ, DH_QUIET="1")).quiet


def test_remaining_packages_skips_logged(srcdir):
    Path("debian/foo-model.debhelper.log").write_text("dh_install\ndh_mlmodel\n")
    assert ours(["--remaining-packages"]) == ["foo-model-bin", "foo-model-extra"]


def test_tmpdir_needs_one_package(srcdir):
    with pytest.raises(DhError, match="-P was specified"):
        ours(["-Pdebian/x"])
    assert parse_dh_args("dh_mlmodel", ["-Pdebian/x", "-pfoo-model"], environ=dict(os.environ)).tmpdir_for(
        "foo-model") == Path("debian/x")


def test_missing_control(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(DhError, match="debian/control: not found"):
        ours([])


def test_addsubstvar_sorted_deduplicated_atomic(srcdir):
    ctx = parse_dh_args("dh_mlmodel", [], environ=dict(os.environ))
    Path("debian/foo-model.substvars").write_text("misc:Depends=b\nmlmodel:Depends=zz (= 1)\n")
    debhelper.addsubstvar(ctx, "foo-model", "mlmodel:Depends", "aa (= 1)")
    debhelper.addsubstvar(ctx, "foo-model", "mlmodel:Depends", "zz (= 1)")
    debhelper.addsubstvar(ctx, "foo-model", "mlmodel:Provides", "mlmodel-foo")
    assert Path("debian/foo-model.substvars").read_text() == (
        "misc:Depends=b\nmlmodel:Depends=aa (= 1), zz (= 1)\nmlmodel:Provides?=mlmodel-foo\n")
    assert not Path("debian/foo-model.substvars.new").exists()


def test_addsubstvar_refuses_newline(srcdir):
    ctx = parse_dh_args("dh_mlmodel", [], environ=dict(os.environ))
    with pytest.raises(DhError, match="newline"):
        debhelper.addsubstvar(ctx, "foo-model", "mlmodel:Depends", "x\nDepends: evil")
    assert not Path("debian/foo-model.substvars").exists()


def test_addsubstvar_no_act_writes_nothing(srcdir):
    ctx = parse_dh_args("dh_mlmodel", ["--no-act"], environ=dict(os.environ))
    debhelper.addsubstvar(ctx, "foo-model", "mlmodel:Depends", "aa")
    assert not Path("debian/foo-model.substvars").exists()


def test_pkgfile_lookup_order(srcdir):
    ctx = parse_dh_args("dh_mlmodel", [], environ=dict(os.environ))
    assert ctx.pkgfile("foo-model", "mlmodel") is None
    Path("debian/mlmodel").write_text("")
    assert ctx.pkgfile("foo-model", "mlmodel") == Path("debian/mlmodel")  # main package only
    assert ctx.pkgfile("foo-model-bin", "mlmodel") is None
    Path("debian/foo-model-bin.mlmodel").write_text("")
    assert ctx.pkgfile("foo-model-bin", "mlmodel") == Path("debian/foo-model-bin.mlmodel")


def test_lintian_overrides_append_keep_existing(srcdir):
    ctx = parse_dh_args("dh_mlmodel", [], environ=dict(os.environ))
    f = Path("debian/foo-model/usr/share/lintian/overrides/foo-model")
    f.parent.mkdir(parents=True)
    f.write_text("# maintainer's\nsome-tag [usr/x]\n")
    debhelper.append_lintian_overrides(ctx, "foo-model", [("why", "other-tag [usr/y]"), ("dup", "some-tag [usr/x]")])
    assert f.read_text() == "# maintainer's\nsome-tag [usr/x]\n# why\nother-tag [usr/y]\n"
