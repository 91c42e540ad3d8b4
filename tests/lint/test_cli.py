"""`mlmodel lint` as users run it: lintian's lines, overrides, --info, --json, --fail-on, exit codes, inputs."""
from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from lintdebs import (COPYRIGHT, MODEL_DIR, DebSpec, build_deb, demo_spec, lint, needs_dpkg_deb, tags, with_record,
                      write_changes)

pytestmark = needs_dpkg_deb
VCS = f"{MODEL_DIR}/.gitattributes"
OVERRIDES = "usr/share/lintian/overrides/demo-embed"


def vcs_deb(tmp_path, overrides: str | None = None, **kw):
    spec = demo_spec(**kw)
    spec.files[VCS] = b"*.safetensors filter=lfs\n"
    if overrides is not None:
        spec.files[OVERRIDES] = overrides.encode()
    return build_deb(with_record(spec), tmp_path)


def test_lintian_line_format_and_exit_codes(tmp_path):
    deb = vcs_deb(tmp_path)
    proc = lint(deb)
    assert proc.stdout.splitlines() == [f"W: demo-embed: mlmodel-vcs-file [{VCS}]"]
    assert proc.returncode == 0  # a warning is below the default --fail-on error
    assert lint(deb, args=("--fail-on", "warning")).returncode == 1
    assert lint(deb, args=("--fail-on", "error,warning")).returncode == 1  # lintian's comma list
    assert lint(deb, args=("--fail-on", "nonsense")).returncode == 2


def test_error_fails_by_default(tmp_path):
    spec = demo_spec()
    spec.files[f"{MODEL_DIR}/model.safetensors"] = b"\x00" * 40
    proc = lint(build_deb(with_record(spec), tmp_path))
    assert proc.returncode == 1 and proc.stdout.startswith("E: demo-embed: ")


def test_unreadable_inputs_exit_2(tmp_path):
    assert lint(tmp_path / "missing.deb").returncode == 2
    garbage = tmp_path / "garbage.deb"
    garbage.write_bytes(b"not an ar archive")
    proc = lint(garbage)
    assert proc.returncode == 2 and "garbage.deb" in proc.stderr and len(proc.stderr.splitlines()) == 1
    good = build_deb(with_record(demo_spec()), tmp_path)
    truncated = tmp_path / "truncated.deb"
    truncated.write_bytes(good.read_bytes()[:3000])
    proc = lint(truncated)
    assert proc.returncode == 2 and "truncated.deb" in proc.stderr
    other = tmp_path / "x.txt"
    other.write_text("x")
    assert lint(other).returncode == 2


def test_info_explains_each_tag_once(tmp_path):
    spec = demo_spec()
    spec.files[VCS] = b"x\n"
    spec.files[f"{MODEL_DIR}/sub/.gitignore"] = b"y\n"
    lines = lint(build_deb(with_record(spec), tmp_path), args=("--info",)).stdout.splitlines()
    assert [line for line in lines if line.startswith("W:")] == [
        f"W: demo-embed: mlmodel-vcs-file [{VCS}]", f"W: demo-embed: mlmodel-vcs-file [{MODEL_DIR}/sub/.gitignore]"]
    notes = [line for line in lines if line.startswith("N:")]
    assert any("version-control file" in n for n in notes)
    assert sum("Severity: warning" in n for n in notes) == 1


def test_json_output(tmp_path):
    doc = json.loads(lint(vcs_deb(tmp_path), args=("--json",)).stdout)
    (hint,) = doc["groups"][0]["hints"]
    assert hint == {"tag": "mlmodel-vcs-file", "visibility": "warning", "package": "demo-embed", "type": "binary",
                    "note": "", "pointer": VCS, "context": f"[{VCS}]"}
    assert doc["summary"]["warning"] == 1 and doc["errors"] == []


@pytest.mark.parametrize("line", [
    f"mlmodel-vcs-file [{VCS}]",
    "mlmodel-vcs-file",
    "mlmodel-vcs-file *",
    "mlmodel-vcs-file [*/.gitattributes]",
    f"demo-embed: mlmodel-vcs-file [{VCS}]",
    "demo-embed binary: mlmodel-vcs-file",
    "demo-embed [amd64 all]: mlmodel-vcs-file",
])
def test_binary_override_syntax(tmp_path, line):
    proc = lint(vcs_deb(tmp_path, f"# LFS attributes are harmless here\n{line}\n"), args=("--fail-on", "warning"))
    assert proc.stdout.splitlines() == ["N: LFS attributes are harmless here", f"O: demo-embed: mlmodel-vcs-file [{VCS}]"]
    assert proc.returncode == 0  # an overridden hint does not fail


@pytest.mark.parametrize("line", ["other-package: mlmodel-vcs-file", "demo-embed source: mlmodel-vcs-file",
                                  "demo-embed [i386]: mlmodel-vcs-file"])
def test_override_for_something_else_does_not_apply(tmp_path, line):
    out = lint(vcs_deb(tmp_path, line + "\n")).stdout
    assert f"W: demo-embed: mlmodel-vcs-file [{VCS}]" in out


def test_mismatched_and_unused_overrides(tmp_path):
    text = ("mlmodel-vcs-file [usr/share/elsewhere]\n"     # our tag fired, this context did not match
            "mlmodel-duplicate-file\n"                      # our tag, never fired
            "extra-license-file [usr/share/x/LICENSE]\n")  # lintian's own tag: not ours to report
    lines = lint(vcs_deb(tmp_path, text)).stdout.splitlines()
    assert f"W: demo-embed: mlmodel-vcs-file [{VCS}]" in lines
    assert f"I: demo-embed: mlmodel-mismatched-override mlmodel-vcs-file [usr/share/elsewhere] [{OVERRIDES}:1]" in lines
    assert f"I: demo-embed: mlmodel-unused-override mlmodel-duplicate-file [{OVERRIDES}:2]" in lines
    assert not [line for line in lines if "extra-license-file" in line]


def make_dsc(tmp_path, overrides: str | None, extra: dict[str, bytes] | None = None):
    """A native source package made by dpkg-source from a minimal tree."""
    src = tmp_path / "demo-embed-1.0"
    (src / "debian" / "source").mkdir(parents=True)
    (src / "debian" / "source" / "format").write_text("3.0 (native)\n")
    (src / "debian" / "control").write_text(
        "Source: demo-embed\nMaintainer: T <t@example.org>\n\nPackage: demo-embed\nArchitecture: all\n"
        "Description: d\n d\n")
    (src / "debian" / "changelog").write_text(
        "demo-embed (1.0) unstable; urgency=medium\n\n  * t\n\n -- T <t@example.org>  Thu, 26 Nov 2026 12:00:00 +0000\n")
    (src / "debian" / "copyright").write_bytes(COPYRIGHT)
    if overrides is not None:
        (src / "debian" / "source" / "lintian-overrides").write_text(overrides)
    for name, data in (extra or {}).items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes(data)
    subprocess.run(["dpkg-source", "-b", src.name], cwd=tmp_path, check=True, capture_output=True)
    return tmp_path / "demo-embed_1.0.dsc"


LFS = (b"version https://git-lfs.github.com/spec/v1\n"
       b"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n")


@pytest.mark.skipif(shutil.which("dpkg-source") is None, reason="dpkg-source not installed")
def test_source_lfs_pointer_and_source_override(tmp_path):
    dsc = make_dsc(tmp_path / "a", None, {"model/model.safetensors": LFS})
    assert lint(dsc).stdout.splitlines() == [
        "E: demo-embed source: lfs-pointer-instead-of-model Git LFS pointer in the source [model/model.safetensors]"]
    dsc = make_dsc(tmp_path / "b", "# fetched at build time\ndemo-embed source: lfs-pointer-instead-of-model *\n",
                   {"model/model.safetensors": LFS})
    proc = lint(dsc)
    assert proc.stdout.splitlines()[-1].startswith("O: demo-embed source: lfs-pointer-instead-of-model")
    assert proc.returncode == 0
    assert lint(make_dsc(tmp_path / "c", None)).stdout == ""


@pytest.mark.parametrize("compression", ["xz", "zstd", "none", "gzip"])
@pytest.mark.parametrize("no_dpkg_deb", [False, True])
def test_data_tar_compressions(tmp_path, monkeypatch, compression, no_dpkg_deb):
    """dpkg-deb's decompression, and the fallback: stdlib xz/gzip, zstd through a pipe."""
    if compression == "zstd" and no_dpkg_deb and shutil.which("zstd") is None:
        pytest.skip("zstd not installed")
    if no_dpkg_deb:
        monkeypatch.setenv("DH_MLMODEL_LINT_NO_DPKG_DEB", "1")
    spec = demo_spec(compression=compression)
    spec.files[VCS] = b"x\n"
    assert tags(build_deb(with_record(spec), tmp_path)) == {"mlmodel-vcs-file"}


def test_changes_file_groups_its_packages(tmp_path):
    weights = build_deb(with_record(demo_spec()), tmp_path)
    empty = build_deb(DebSpec(package="demo-embed-tokenizer",
                              files={"usr/share/doc/demo-embed-tokenizer/copyright": COPYRIGHT}), tmp_path)
    changes = write_changes(tmp_path / "demo-embed_1.0_amd64.changes", [weights, empty])
    assert lint(changes).stdout.splitlines() == [
        "W: demo-embed-tokenizer: mlmodel-empty-split-package no model files besides the copyright and changelog"]
    weights.unlink()
    proc = lint(changes)
    assert proc.returncode == 2 and "not beside it" in proc.stderr
