"""The Hub view's names and the installed-model commands, against truth we did not write (issue 18).

Repo ids against huggingface_hub's own validate_repo_id; blob ids against `git hash-object`; the view's
links resolved on disk, each package alone; records read back as hostile input.  The end-to-end load
by Hub id, as an unprivileged user, is tests/integration/test_hub_load.py.
"""
from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import TOP
from dh_mlmodel import cli, hub
from dh_mlmodel.declaration import DeclarationError, parse_declaration
from dh_mlmodel.deliver import hubview
from dh_mlmodel.deliver.install import Transaction

REV = "c9745ed1d9f207416be6d2e6f8de32d1f16199bf"


def _hf_validate():
    return pytest.importorskip("huggingface_hub.utils").validate_repo_id


# ---------------------------------------------------------------- repo ids and revisions

@pytest.mark.parametrize("text", ["sentence-transformers/all-MiniLM-L6-v2", "TheBloke/Llama-2-7B-GGUF",
                                  "a/b", "org_1/name.v2", "Qwen/Qwen2.5-0.5B-Instruct"])
def test_real_repo_ids_are_accepted(text):
    assert hub.repo_id_problem(text) is None
    _hf_validate()(text)


@pytest.mark.parametrize("text", ["../etc", "a/../b", "a/b/c", "noslash", "/a", "a/", "a--b/c", "a/b--c", "a..b/c",
                                  "a/b.git", "-a/b", "a/b-", "a /b", "a/b\n", "a\\b/c", "ä/b", "a/" + "b" * 95,
                                  "a/.hidden", "a/b.", ".a/b"])
def test_hostile_repo_ids_are_refused(text):
    assert hub.repo_id_problem(text)


@settings(max_examples=300)
@given(st.text(alphabet="ab_-./\\ -\n\0Z9", min_size=1, max_size=24))
def test_every_id_we_accept_is_one_huggingface_hub_accepts(text):
    """Differential: ours is the stricter rule (huggingface_hub's intersected with llama.cpp's)."""
    validate = _hf_validate()
    if hub.repo_id_problem(text) is None:
        validate(text)  # raises HFValidationError if huggingface_hub disagrees
        assert text.count("/") == 1 and "--" not in text


@pytest.mark.parametrize("text", [REV.upper(), REV[:-1], REV + "0", "main", "v1.0", "g" * 40, " " + REV[1:]])
def test_revisions_must_be_commits(text):
    assert hub.revision_problem(text)


DECL = "format: 1\nmodels:\n  - name: m\n    upstream: {upstream}\n"


@pytest.mark.parametrize("upstream, words", [
    ("{hub-id: ../../etc/passwd, revision: %s}" % REV, "hub-id': '../../etc/passwd' is not ORG/NAME"),
    ("{hub-id: a/b}", "hub-id needs the revision"),
    ("{hub-id: a/b, revision: main}", "'main' is not a commit"),
    ("{hub-id: [a, b], revision: %s}" % REV, "expected a string, got a list"),
    ("{hub-id: a/b, revision: 0x1234}", "'0x1234' is not a commit"),
    ("{hub-id: \"a/b\\x1b[2J\", revision: %s}" % REV, "control character"),
    ("{hubid: a/b, revision: %s}" % REV, "did you mean 'hub-id'"),
])
def test_hostile_declarations_are_one_line_errors(upstream, words):
    with pytest.raises(DeclarationError) as err:
        parse_declaration(DECL.format(upstream=upstream), Path("debian/mlmodel.yaml"))
    line = err.value.one_line()
    assert words in line and "\n" not in line and line.startswith("debian/mlmodel.yaml: line 4:")


def test_a_hub_id_without_revision_checks_only_when_given():
    decl = parse_declaration(DECL.format(upstream="{url: 'https://example.org/m', revision: v1.0}"), Path("d"))
    assert decl.models[0].upstream.hub_id is None and decl.models[0].upstream.revision == "v1.0"


# ---------------------------------------------------------------- blob ids

@settings(max_examples=25, deadline=None)
@given(st.binary(max_size=3000))
def test_git_blob_sha1_is_gits_own(tmp_path_factory, data):
    path = tmp_path_factory.mktemp("blob") / "f"
    path.write_bytes(data)
    want = subprocess.run(["git", "hash-object", str(path)], capture_output=True, text=True, check=True).stdout.strip()
    assert hub.git_blob_sha1(path) == want


def test_lfs_rule(tmp_path):
    patterns = hub.lfs_patterns("*.bin filter=lfs diff=lfs merge=lfs -text\n# *.json filter=lfs\n"
                                "saved_model/**/* filter=lfs diff=lfs merge=lfs -text \n*.txt text\n")
    assert patterns == ["*.bin", "saved_model/**/*"]
    text = tmp_path / "config.json"
    text.write_text('{"a": 1}\n')
    binary = tmp_path / "x.dat"
    binary.write_bytes(b"abc\0def")
    big = tmp_path / "big.txt"
    big.write_bytes(b"a" * hub.LFS_SIZE)
    assert not hub.is_lfs("config.json", text, patterns)
    assert hub.is_lfs("sub/pytorch_model.bin", text, patterns)  # a pattern without '/' matches the base name
    assert hub.is_lfs("saved_model/variables/v.index", text, patterns)
    assert hub.is_lfs("x.dat", binary, patterns) and hub.is_lfs("big.txt", big, patterns)
    assert hub.blob_id("config.json", text, "f" * 64, patterns) == hub.git_blob_sha1(text)
    assert hub.blob_id("x.dat", binary, "f" * 64, patterns) == "f" * 64


# ---------------------------------------------------------------- the view, package by package

def _files(tmp_path: Path, spec: dict[str, tuple[str, str, bytes]]) -> list[hubview.ViewFile]:
    out = []
    for rel, (pkg, role, data) in spec.items():
        src = tmp_path / "src" / rel
        src.parent.mkdir(parents=True, exist_ok=True)
        src.write_bytes(data)
        import hashlib
        out.append(hubview.ViewFile(rel, pkg, role, src, hashlib.sha256(data).hexdigest()))
    return out


def _materialise(tmp_path: Path, model: str, files, views) -> dict[str, Path]:
    """Each package's tree on its own: the model files it ships, and its part of the view."""
    roots = {}
    for pkg, view in views.items():
        root = tmp_path / "pkg" / pkg
        txn = Transaction()
        for f in files:
            if f.package == pkg and f.role != "docs":
                txn.write(root / "usr/share/mlmodel" / model / f.relpath, f.source.read_bytes())
        for link in view.links:
            txn.symlink(root / link.path, link.target)
        for rel, data in view.files.items():
            txn.write(root / rel, data)
        roots[pkg] = root
    return roots


def test_each_package_resolves_its_own_links_and_one_ships_refs_main(tmp_path):
    files = _files(tmp_path, {
        "model.safetensors": ("m", "weights", b"\0weights"),
        "config.json": ("m", "config", b"{}\n"),
        "copy-of-config.json": ("m", "config", b"{}\n"),  # the same content: one blob
        "tokenizer.json": ("m-tokenizer", "tokenizer", b"{}\n"),  # the same content in another package
        "sub/vocab.txt": ("m-tokenizer", "tokenizer", b"a\nb\n"),
        "README.md": ("m-doc", "docs", b"# card\n"),
    })
    views = hubview.plan_view("m", "org/name", REV, files)
    assert set(views) == {"m", "m-tokenizer"}  # the card is in /usr/share/doc: not in the view
    root = hubview.view_root("org/name")
    assert views["m"].files == {f"{root}/refs/main": REV.encode()} and views["m-tokenizer"].files == {}
    blobs = [link for link in views["m"].links if "/blobs/" in link.path]
    assert len(blobs) == 2  # weights (sha256) and the shared config content (git sha1)
    for pkg, tree in _materialise(tmp_path, "m", files, views).items():
        for link in views[pkg].links:
            p = tree / link.path
            assert p.is_symlink() and not os.path.isabs(os.readlink(p)) and p.resolve().is_file(), link
    snapshot = tmp_path / "pkg/m-tokenizer" / root / "snapshots" / REV
    assert (snapshot / "tokenizer.json").resolve() == (tmp_path / "pkg/m-tokenizer/usr/share/mlmodel/m/tokenizer.json")
    assert (snapshot / "sub/vocab.txt").read_bytes() == b"a\nb\n"


def test_the_view_is_the_same_whatever_order_the_files_come_in(tmp_path):
    files = _files(tmp_path, {"a.json": ("p2", "config", b"1"), "b.json": ("p1", "config", b"1"),
                              "w.safetensors": ("p2", "weights", b"\0")})
    one = hubview.plan_view("m", "o/n", REV, files)
    two = hubview.plan_view("m", "o/n", REV, list(reversed(files)))
    assert one == two and list(one["p2"].files) == [f"{hubview.view_root('o/n')}/refs/main"]


def test_symlink_never_replaces_a_file(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(Exception, match="is a file or directory already"):
        Transaction().symlink(tmp_path / "f", "elsewhere")
    assert (tmp_path / "f").read_text() == "x"


# ---------------------------------------------------------------- installed records, read back

def _record(root: Path, model: str, package: str, over: dict | None = None, **more) -> Path:
    rec = {"format": 1, "model": model, "package": package, "category": "free", "section": "main",
           "profile": "ml-policy", "inputs": {"license": "CC0-1.0"},
           "files": [{"path": f"usr/share/mlmodel/{model}/w.gguf", "format": "gguf", "role": "weights", "size": 4,
                      "sha256": "0" * 64}]}
    rec.update(over or {}, **more)
    path = root / "usr/share/mlmodel" / model / ".mlmodel" / f"{package}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(rec))
    return path


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", *args], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(TOP)))


@pytest.mark.parametrize("over, words", [
    ({"files": [{"path": "usr/share/mlmodel/m/a\nb", "format": "gguf"}]}, "not a plain path"),
    ({"files": [{"path": "usr/share/mlmodel/m/../../../../etc/passwd", "format": "gguf"}]}, "not a plain path"),
    ({"files": [{"path": "/etc/passwd", "format": "gguf"}]}, "not a plain path"),
    ({"files": "nope"}, "files list is malformed"),
    ({"package": "other"}, "and package 'other', not its own path"),
    ({"hub": {"id": "../../x", "revision": REV}}, "hub entry"),
    ({"hub": {"id": "o/n", "revision": "main"}}, "hub entry"),
    ({"format": 2}, "not a format-1 record"),
])
def test_hostile_records_are_left_out_with_one_line(tmp_path, over, words):
    _record(tmp_path, "good", "good")
    bad = _record(tmp_path, "m", "m", over)
    proc = _run("list", "--json", "--root", str(tmp_path))
    assert proc.returncode == 0 and [m["name"] for m in json.loads(proc.stdout)] == ["good"]
    (warning,) = proc.stderr.splitlines()
    assert warning.startswith(f"mlmodel: warning: {bad}: ") and words in warning


def test_unreadable_json_record_is_left_out(tmp_path):
    path = _record(tmp_path, "m", "m")
    path.write_bytes(b"{\xff")
    proc = _run("list", "--root", str(tmp_path))
    assert proc.returncode == 0 and proc.stdout == "" and "cannot read" in proc.stderr


def test_a_model_not_installed_is_a_one_line_error(tmp_path):
    _record(tmp_path, "m", "m")
    for args in (["path", "nope"], ["show", "nope"], ["path", "m", "--format", "onnx"], ["path", "m", "--hub"],
                 ["hub-link", "m", "--cache", str(tmp_path / "c")]):
        proc = _run(*args, "--root", str(tmp_path))
        assert proc.returncode == 2 and len(proc.stderr.splitlines()) == 1 and "Traceback" not in proc.stderr, args
    assert not (tmp_path / "c").exists()


def test_root_from_the_environment(tmp_path):
    _record(tmp_path, "m", "m")
    proc = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "path", "m"], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(TOP), MLMODEL_ROOT=str(tmp_path)))
    assert proc.stdout.strip() == str(tmp_path / "usr/share/mlmodel/m")


def test_hub_env_survives_eval_with_an_odd_root(tmp_path):
    root = tmp_path / "a dir with 'quotes' and $HOME"
    root.mkdir()
    env = _run("hub-env", "--root", str(root)).stdout
    script = f'{env}\nprintf "%s\\n" "$HF_HUB_CACHE" "$HF_HUB_OFFLINE" "$LLAMA_CACHE" "${{TRANSFORMERS_CACHE-unset}}"'
    out = subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True,
                         env=dict(os.environ, TRANSFORMERS_CACHE="/elsewhere")).stdout.splitlines()
    cache = str(root / "usr/share/mlmodel/hub")
    assert out == [cache, "1", cache, "unset"]
    assert shlex.split(env.splitlines()[0])[1] == f"HF_HUB_CACHE={cache}"


def test_hub_link_keeps_the_users_files(tmp_path):
    root, cache = tmp_path / "root", tmp_path / "cache"
    _record(root, "m", "m", hub={"id": "o/n", "revision": REV, "view": "/usr/share/mlmodel/hub/models--o--n"})
    snap = root / "usr/share/mlmodel/hub/models--o--n/snapshots" / REV
    snap.mkdir(parents=True)
    (snap / "a.json").symlink_to("../../../../m/w.gguf")
    (snap / "b.json").symlink_to("../../../../m/w.gguf")
    mine = cache / "models--o--n/snapshots" / REV
    mine.mkdir(parents=True)
    (mine / "b.json").write_text("the user's own")
    proc = _run("hub-link", "--root", str(root), "--cache", str(cache))
    assert proc.returncode == 0 and "1 of your own kept" in proc.stdout, proc.stderr
    assert os.readlink(mine / "a.json") == str(snap / "a.json") and (mine / "b.json").read_text() == "the user's own"
    assert _run("hub-link", "--root", str(root), "--cache", str(cache), "--remove").returncode == 0
    assert not (mine / "a.json").is_symlink() and (mine / "b.json").read_text() == "the user's own"


# ---------------------------------------------------------------- the commands are documented

@pytest.mark.parametrize("command", ["list", "show", "path", "hub-env", "hub-link"])
def test_commands_are_in_help_and_the_manual(command):
    assert command in cli.available_commands()
    man = (TOP / "man/mlmodel.1").read_text()
    assert f".B mlmodel {command.replace('-', chr(92) + '-')}" in man
    assert f"mlmodel {command}" in (TOP / "docs/installed.md").read_text()
