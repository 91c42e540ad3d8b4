"""dh_mlmodel run by hand and by real dh in the demo tree: dh conventions and bad input."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TOP, deb_files, dpkg_buildpackage, intree_env, needs_debhelper

pytestmark = [pytest.mark.integration, needs_debhelper]

PACKAGES = ("demo-embed", "demo-embed-tokenizer", "demo-embed-doc")


def dh_mlmodel(src: Path, *args: str, env: dict | None = None):
    return subprocess.run(["dh_mlmodel", *args], cwd=src, env=intree_env(env), capture_output=True, text=True)


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_mode, p.stat().st_size)
            for p in sorted(root.rglob("*")) if not p.is_symlink()}


def installed_packages(src: Path) -> set[str]:
    return {p for p in PACKAGES if (src / "debian" / p / "usr/share/mlmodel").exists()
            or (src / "debian" / p / "usr/share/doc" / p / "README.md").exists()}


def assert_one_error_line(proc, *words):
    assert proc.returncode == 255, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dh_mlmodel: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for w in words:
        assert w in lines[0], lines[0]


def test_runs_alone_and_installs_all(demo_source):
    proc = dh_mlmodel(demo_source)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "" and proc.stderr == ""  # quiet on success
    assert installed_packages(demo_source) == set(PACKAGES)


@pytest.mark.parametrize("args,expected", [
    (["-pdemo-embed-tokenizer"], {"demo-embed-tokenizer"}),
    (["-Ndemo-embed-doc"], {"demo-embed", "demo-embed-tokenizer"}),
    (["-i"], set(PACKAGES)),
    (["-O-pdemo-embed"], {"demo-embed"}),
])
def test_package_selection(demo_source, args, expected):
    proc = dh_mlmodel(demo_source, *args)
    assert proc.returncode == 0, proc.stderr
    assert installed_packages(demo_source) == expected


def test_arch_only_selection_has_nothing_to_do(demo_source):
    proc = dh_mlmodel(demo_source, "-a")
    assert proc.returncode == 0, proc.stderr
    assert "there are none of that type" in proc.stderr
    assert installed_packages(demo_source) == set()


def test_no_act_changes_nothing(demo_source):
    before = snapshot(demo_source)
    for args, env in ((["--no-act"], None), ([], {"DH_NO_ACT": "1"})):
        proc = dh_mlmodel(demo_source, *args, env=env)
        assert proc.returncode == 0, proc.stderr
        assert snapshot(demo_source) == before


def test_verbose_prints_commands(demo_source):
    proc = dh_mlmodel(demo_source, "-v")
    assert proc.returncode == 0
    assert any(line.startswith("\t") and "model.safetensors" in line for line in proc.stdout.splitlines())


def test_unknown_O_option_ignored(demo_source):
    proc = dh_mlmodel(demo_source, "-O--unknown-option=1")
    assert proc.returncode == 0, proc.stderr
    assert installed_packages(demo_source) == set(PACKAGES)


def test_plain_unknown_option_fails_like_dh(demo_source):
    proc = dh_mlmodel(demo_source, "--unknown-option")
    assert proc.stderr == "dh_mlmodel: error: unknown option or error during option parsing; aborting\n"
    assert proc.returncode == 255


def test_override_target_and_maintainer_overrides_survive(demo_source):
    rules = demo_source / "debian/rules"
    rules.write_text(rules.read_text() + "\noverride_dh_mlmodel:\n\tdh_mlmodel --section-check=warn\n\ttouch debian/override-ran\n")
    (demo_source / "debian/demo-embed.lintian-overrides").write_text(
        "# kept from the maintainer\ndemo-embed: some-tag-of-the-maintainer\n")
    dpkg_buildpackage(demo_source, "-b")
    assert (demo_source / "debian/override-ran").exists()
    debs = {p.name.split("_")[0]: p for p in demo_source.parent.glob("*.deb")}
    assert "usr/share/mlmodel/demo-embed/model.safetensors" in deb_files(debs["demo-embed"])
    text = subprocess.run(["dpkg-deb", "--fsys-tarfile", str(debs["demo-embed"])], capture_output=True, check=True).stdout
    assert b"some-tag-of-the-maintainer" in text


# -- bad input: one line, exit 255, nothing half-installed -----------------------------

def test_missing_control(demo_source):
    (demo_source / "debian/control").unlink()
    proc = dh_mlmodel(demo_source)
    assert_one_error_line(proc, "debian/control")
    assert installed_packages(demo_source) == set()


def test_declared_path_missing(demo_source):
    decl = demo_source / "debian/mlmodel.yaml"
    decl.write_text(decl.read_text().replace("path: model", "path: no-such-dir"))
    proc = dh_mlmodel(demo_source)
    assert_one_error_line(proc, "no-such-dir")
    assert not any((demo_source / "debian" / p).exists() for p in PACKAGES)


def test_symlink_out_of_tree(demo_source, tmp_path):
    outside = tmp_path / "secret.safetensors"
    outside.write_bytes(b"x")
    (demo_source / "model/evil.safetensors").symlink_to(outside)
    proc = dh_mlmodel(demo_source)
    assert_one_error_line(proc, "evil.safetensors", "outside")
    assert not any((demo_source / "debian" / p).exists() for p in PACKAGES)


def test_newline_in_file_name(demo_source):
    (demo_source / "model/bad\nname.json").write_text("{}")
    proc = dh_mlmodel(demo_source)
    assert_one_error_line(proc, "newline")
    assert not any((demo_source / "debian" / p).exists() for p in PACKAGES)


def test_uncovered_by_copyright(demo_source):
    cp = demo_source / "debian/copyright"
    cp.write_text(cp.read_text().replace("Files: *\n", "Files: debian/* training/*\n")
                  .replace("Files: model/*", "Files: model/README.md"))
    proc = dh_mlmodel(demo_source)
    assert_one_error_line(proc, "model/model.safetensors", "copyright")
    assert not any((demo_source / "debian" / p).exists() for p in PACKAGES)


def add_package(src: Path, stanza: str) -> None:
    control = src / "debian/control"
    control.write_text(control.read_text().rstrip("\n") + "\n\n" + stanza)


def test_empty_split_package_is_an_error(demo_source):
    add_package(demo_source, "Package: demo-embed-gguf\nArchitecture: all\nDescription: nothing\n none\n")
    proc = dh_mlmodel(demo_source)
    assert_one_error_line(proc, "demo-embed-gguf would be empty", "remove it from debian/control")
    assert not any((demo_source / "debian" / p).exists() for p in PACKAGES)


def test_model_files_to_arch_any_package_is_an_error(demo_source):
    control = demo_source / "debian/control"
    text = control.read_text()
    control.write_text(text.replace("Package: demo-embed\nArchitecture: all", "Package: demo-embed\nArchitecture: any"))
    proc = dh_mlmodel(demo_source, "-pdemo-embed-doc")
    assert_one_error_line(proc, "no binary package can receive this config file")  # no arch:all default left
    decl = demo_source / "debian/mlmodel.yaml"
    decl.write_text(decl.read_text() + "packages:\n  weights: demo-embed\n  config: demo-embed\n")
    proc = dh_mlmodel(demo_source, "-pdemo-embed-doc")
    assert_one_error_line(proc, "would go to demo-embed, which is not Architecture: all", "make it Architecture: all")


def test_packages_mapping_against_suffix_is_an_error(demo_source):
    decl = demo_source / "debian/mlmodel.yaml"
    decl.write_text(decl.read_text() + "packages:\n  tokenizer: demo-embed-doc\n")
    proc = dh_mlmodel(demo_source)
    assert_one_error_line(proc, "maps tokenizer to demo-embed-doc", "claims the docs role")


def test_files_placed_by_dh_install_are_moved_not_copied(demo_source):
    """A maintainer's .install put every model file in the main package: dh_mlmodel moves each to its role."""
    (demo_source / "debian/demo-embed.install").write_text("model/tokenizer.json usr/share/mlmodel/demo-embed/\n")
    env = intree_env()
    subprocess.run(["dh_install", "-pdemo-embed"], cwd=demo_source, env=env, check=True)
    placed = demo_source / "debian/demo-embed/usr/share/mlmodel/demo-embed/tokenizer.json"
    inode = placed.stat().st_ino
    proc = dh_mlmodel(demo_source, "-v")
    assert proc.returncode == 0, proc.stderr
    moved = demo_source / "debian/demo-embed-tokenizer/usr/share/mlmodel/demo-embed/tokenizer.json"
    assert not placed.exists() and moved.stat().st_ino == inode
    assert any(line.strip().startswith("mv ") and "tokenizer.json" in line for line in proc.stdout.splitlines())


# A protocol-2 pickle that imports a class outside the allowlist (GLOBAL, EMPTY_TUPLE, NEWOBJ, STOP).
UNLISTED_PICKLE = b"\x80\x02csklearn.tree._classes\nDecisionTreeClassifier\n)\x81."
DANGEROUS_PICKLE = b"\x80\x02cposix\nsystem\nX\x02\x00\x00\x00idq\x00\x85R."


def test_pickle_imports_stop_the_build(demo_source):
    (demo_source / "model/model.pkl").write_bytes(DANGEROUS_PICKLE)
    proc = dh_mlmodel(demo_source)
    assert_one_error_line(proc, "model.pkl", "posix.system")
    assert not any((demo_source / "debian" / p).exists() for p in PACKAGES)


TWO_CALLABLES = (b"\x80\x02csklearn.linear_model._logistic\nLogisticRegression\n)\x81}b"
                 b"csklearn.preprocessing._data\nStandardScaler\n)\x81}b\x86.")


def test_blocking_pickle_lists_every_callable_and_the_block(demo_source):
    """Issue #15: every callable that blocks, and a pickle-allow block ready to paste (reason to fill)."""
    (demo_source / "model/model.pkl").write_bytes(TWO_CALLABLES)
    proc = dh_mlmodel(demo_source)
    assert proc.returncode == 255 and "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("dh_mlmodel: error: ")]
    assert any("LogisticRegression" in line for line in errors[:-1])
    assert any("StandardScaler" in line for line in errors[:-1])
    assert "debian/mlmodel.yaml" in errors[-1] and "2 " in errors[-1]
    block = proc.stderr[proc.stderr.index("    pickle-allow:"):].split("dh_mlmodel: error:")[0]
    decl = demo_source / "debian/mlmodel.yaml"
    filled = re.sub(r"reason: null .*", "reason: reviewed; scikit-learn is packaged in Debian", block)
    decl.write_text(decl.read_text() + filled)
    proc = dh_mlmodel(demo_source)
    assert proc.returncode == 0, proc.stderr


def test_declared_pickle_allow_is_recorded(demo_source):
    (demo_source / "model/model.pkl").write_bytes(UNLISTED_PICKLE)
    proc = dh_mlmodel(demo_source)
    assert proc.returncode == 255
    assert "sklearn.tree._classes.DecisionTreeClassifier" in proc.stderr.splitlines()[0]
    assert '      callables: ["sklearn.tree._classes.DecisionTreeClassifier"]' in proc.stderr
    decl = demo_source / "debian/mlmodel.yaml"
    decl.write_text(decl.read_text() + "    pickle-allow:\n      - file: model.pkl\n"
                    "        callables: [sklearn.tree._classes.DecisionTreeClassifier]\n"
                    "        reason: reviewed; scikit-learn is packaged in Debian\n")
    proc = dh_mlmodel(demo_source)
    assert proc.returncode == 0, proc.stderr
    record = json.loads((demo_source / "debian/demo-embed/usr/share/mlmodel/demo-embed/.mlmodel/demo-embed.json")
                        .read_text())
    assert record["accepted"] == [{"file": "model.pkl", "callable": "sklearn.tree._classes.DecisionTreeClassifier",
                                   "reason": "reviewed; scikit-learn is packaged in Debian",
                                   "tag": "pickle-imports-unlisted-callable"}]


def test_build_sees_the_wheel_licence_as_classify_does(demo_source):
    """A PKG-INFO beside the model takes part in the licence merge at build time, as in `mlmodel classify`."""
    (demo_source / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: demo-embed\nLicense: Apache-2.0\n")
    proc = dh_mlmodel(demo_source)
    assert proc.returncode == 0, proc.stderr
    assert "PKG-INFO" in proc.stderr and "Apache-2.0" in proc.stderr  # the disagreement with the declaration
    classify = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "classify", "--json", str(demo_source)],
                              capture_output=True, text=True, env=intree_env({"PYTHONPATH": str(TOP)}))
    assert "PKG-INFO" in classify.stdout and "Apache-2.0" in classify.stdout


@pytest.mark.parametrize("old,new,shown", [
    ("License: CC0-1.0\nComment: Managed", "License: TODO-unknown-licence\nComment: Managed",
     "License: TODO-unknown-licence"),
    ("Files: model/*\nCopyright: 2026 dh-mlmodel developers", "Files: model/*\nCopyright: TODO: the holders",
     "Copyright: TODO: the holders"),
    ("Files: model/*\nCopyright: 2026 dh-mlmodel developers\nLicense: CC0-1.0",
     "Files: model/*\nCopyright: 2026 dh-mlmodel developers\nLicense: unknown", "License: unknown"),
])
def test_placeholder_left_in_copyright_fails(demo_source, old, new, shown):
    """Issue #15: a TODO or unknown licence init left in debian/copyright stops the build, in one line."""
    path = demo_source / "debian/copyright"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    proc = dh_mlmodel(demo_source)
    assert_one_error_line(proc, "debian/copyright", shown, "mlmodel copyright --update")
    assert installed_packages(demo_source) == set()


EVIDENCE_AND_VCS = {".gitattributes": "*.safetensors filter=lfs diff=lfs merge=lfs -text\n", ".gitignore": "*.tmp\n",
                    "sub/.gitkeep": "", "PKG-INFO": "Metadata-Version: 2.1\nName: demo-embed\nLicense: CC0-1.0\n",
                    "package.json": '{"name": "demo-embed", "license": "CC0-1.0"}\n',
                    "METADATA": "Metadata-Version: 2.1\nName: demo-embed\nLicense: CC0-1.0\n",
                    "demo_embed-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: demo-embed\nLicense: CC0-1.0\n",
                    "demo_embed-1.0.dist-info/RECORD": "x,,\n"}


def test_package_metadata_and_vcs_files_are_never_installed(demo_source):
    """Issue #15: whatever the declaration excludes, dh_mlmodel installs neither VCS control files
    (lintian: package-contains-vcs-control-file) nor the package metadata read as licence evidence."""
    for rel, text in EVIDENCE_AND_VCS.items():
        (demo_source / "model" / rel).parent.mkdir(parents=True, exist_ok=True)
        (demo_source / "model" / rel).write_text(text)
    proc = dh_mlmodel(demo_source)
    assert proc.returncode == 0, proc.stderr
    installed = {p.relative_to(demo_source / "debian").as_posix() for p in (demo_source / "debian").rglob("*")
                 if p.is_file() and "/usr/share/mlmodel/" in p.as_posix()}
    for rel in EVIDENCE_AND_VCS:
        assert not any(i.endswith("/" + rel) for i in installed), (rel, sorted(installed))
    assert any(i.endswith("/model.safetensors") for i in installed)


def test_package_metadata_in_debian_upstream_is_evidence(demo_source):
    (demo_source / "debian/upstream").mkdir(exist_ok=True)
    (demo_source / "debian/upstream/METADATA").write_text("Metadata-Version: 2.1\nName: demo-embed\nLicense: Apache-2.0\n")
    proc = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "classify", str(demo_source)],
                          capture_output=True, text=True, env=intree_env({"PYTHONPATH": str(TOP)}))
    assert "METADATA (package metadata): Apache-2.0" in proc.stdout, proc.stdout
