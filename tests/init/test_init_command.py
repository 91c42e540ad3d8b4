"""`mlmodel init` on real model directories: the debian/ it writes, TODOs, --force, single files, splits."""
from __future__ import annotations

import hashlib
import io
import re
import shutil
import tarfile
from pathlib import Path

import pytest
import yaml
from debian import deb822

from conftest import DEMO
from dh_mlmodel import cli
from dh_mlmodel.bootstrap import debmake
from dh_mlmodel.declaration import DeclarationError, load_declaration
from dh_mlmodel.deliver import split

pytestmark = pytest.mark.skipif(not shutil.which("debmake"), reason="debmake not installed (apt install debmake)")

MAINTAINER = "Jane Doe <jane@example.org>"
EPOCH = "1764158400"  # 2025-11-26


@pytest.fixture(autouse=True)
def _env(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    for var in ("DEBEMAIL", "DEBFULLNAME"):
        monkeypatch.delenv(var, raising=False)


def cli_has(command: str) -> bool:
    return command in cli.available_commands()


def init(*args: str) -> int:
    return cli.main(["init", "--maintainer", MAINTAINER, *map(str, args)])


@pytest.fixture
def demo_model(tmp_path) -> Path:
    dest = tmp_path / "demo-embed"
    shutil.copytree(DEMO / "model", dest)
    return dest


def control(tree: Path) -> list[deb822.Deb822]:
    return list(deb822.Deb822.iter_paragraphs(io.StringIO((tree / "debian/control").read_text())))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ---------------------------------------------------------------- the demo model directory

def test_demo_directory(demo_model, capsys):
    assert init(demo_model) == 0
    out = capsys.readouterr().out
    debian = demo_model / "debian"
    for rel in ("control", "rules", "changelog", "copyright", "mlmodel.yaml", "source/format",
                "source/lintian-overrides", "tests/control", "README.source"):
        assert (debian / rel).is_file(), rel
    assert not (debian / "README.Debian").exists()  # debmake's template text
    # debmake 4.5 (Debian 13) also writes *.ex examples, gbp.conf, salsa-ci.yml, install, dirs...: not kept
    extra = {"mlmodel.yaml", "copyright", "README.source", "source/lintian-overrides"}
    written = {p.relative_to(debian).as_posix() for p in debian.rglob("*") if p.is_file()}
    assert written - extra <= debmake.KEPT, written - extra - debmake.KEPT
    assert not (debian / "watch").exists()  # no upstream URL: README.source says why
    assert "There is no debian/watch" in (debian / "README.source").read_text()
    source, *binaries = control(demo_model)
    assert source["Source"] == "demo-embed"
    assert "dh-sequence-mlmodel" in source["Build-Depends"]
    assert source["Maintainer"] == MAINTAINER
    assert [b["Package"] for b in binaries] == ["demo-embed", "demo-embed-tokenizer", "demo-embed-doc"]
    # Nothing declared yet: CC0 card licence, data undeclared -> ToxicCandy under ml-policy (rule 4) -> non-free.
    assert source["Section"] == "non-free/science"
    assert binaries[2]["Section"] == "non-free/doc"
    assert "Section" not in binaries[0] and "Section" not in binaries[1]
    assert "${mlmodel:Depends}" in binaries[0]["Depends"] and "${mlmodel:Depends}" not in binaries[1]["Depends"]
    rules = (debian / "rules").read_text()
    assert re.search(r"^%:\n\tdh \$@$", rules, re.M) and (debian / "rules").stat().st_mode & 0o111
    assert (debian / "source/format").read_text() == "3.0 (quilt)\n"
    tests = (debian / "tests/control").read_text()
    if cli_has("autopkgtest"):  # the lead's command writes the real test; our template is the fallback
        assert "Test-Command: mlmodel verify demo-embed demo-embed-tokenizer demo-embed-doc" in tests
        assert "superficial" not in tests
    changelog = (debian / "changelog").read_text()
    assert changelog.startswith("demo-embed (0~20251126-1) UNRELEASED; urgency=medium")
    assert f" -- {MAINTAINER}  Wed, 26 Nov 2025 12:00:00 +0000" in changelog
    assert "rule 4" in out and "TODO markers on lines" in out


def test_split_matches_what_dh_mlmodel_will_install(demo_model):
    assert init(demo_model) == 0
    from dh_mlmodel.inspect import inspect_model_dir

    report = inspect_model_dir(demo_model, hash=False)
    packages = [split.PackageInfo(p["Package"], p["Architecture"] == "all") for p in control(demo_model)[1:]]
    placed = {p.relpath: p.package for p in split.assign("demo-embed", [
        (f.artifact.relpath, f.artifact.role, f.artifact.format) for f in report.files], packages)}
    assert placed == {"model.safetensors": "demo-embed", "config.json": "demo-embed",
                      "tokenizer.json": "demo-embed-tokenizer", "README.md": "demo-embed-doc"}


def test_declaration_prefilled_from_the_card(demo_model):
    assert init(demo_model) == 0
    data = yaml.safe_load((demo_model / "debian/mlmodel.yaml").read_text())
    model = data["models"][0]
    assert model["name"] == "demo-embed" and model["path"] == "."
    assert model["license"] == "CC0-1.0"  # the card says cc0-1.0
    assert model["training-data"] == [{"name": "demo-corpus", "availability": "TODO"}]
    assert model["training-code"] == {"completeness": "TODO"}


# ---------------------------------------------------------------- TODO markers and the loader

def todo_lines(text: str) -> list[int]:
    return [n for n, line in enumerate(text.splitlines(), 1)
            if "TODO" in line and not line.lstrip().startswith("#")]


FILLS = [  # (regex on a TODO line, replacement)
    (r"availability: TODO", "availability: public"),
    (r"completeness: TODO", "completeness: complete"),
    (r"copyright: null  # TODO", 'copyright: "2026 dh-mlmodel developers"'),
    (r"license: null  # TODO", "license: CC0-1.0"),
    (r"category: TODO", "category: free"),
    (r"training-data: TODO", "training-data: undeclared"),
]


def fill_one(text: str, lineno: int) -> str:
    lines = text.splitlines(keepends=True)
    for pattern, replacement in FILLS:
        if re.search(pattern, lines[lineno - 1]):
            lines[lineno - 1] = re.sub(pattern, replacement, lines[lineno - 1])
            return "".join(lines)
    raise AssertionError(f"unexpected TODO line {lines[lineno - 1]!r}")

def fill_todos_one_by_one(path, text):
    """The loader refuses the file at each TODO in turn, naming its line, until all are filled."""
    todos = todo_lines(text)
    while todos:
        path.write_text(text)
        with pytest.raises(DeclarationError) as err:
            load_declaration(path)
        named = int(re.search(r"line (\d+)", err.value.reason).group(1))
        assert named in todos, (named, todos, err.value.reason)
        text = fill_one(text, named)
        todos = todo_lines(text)
    path.write_text(text)
    return load_declaration(path)



def test_every_todo_is_a_declaration_error_naming_its_line(demo_model):
    """The loader refuses the file at each TODO in turn, naming the line, until all are filled."""
    assert init(demo_model) == 0
    path = demo_model / "debian/mlmodel.yaml"
    text = path.read_text()
    todos = todo_lines(text)
    assert len(todos) >= 3  # availability, completeness, copyright
    decl = fill_todos_one_by_one(path, text)
    assert decl.models[0].training_data[0].availability == "public"


# ---------------------------------------------------------------- never overwrite, backups

def test_existing_debian_is_refused_without_force(demo_model, capsys):
    (demo_model / "debian").mkdir()
    (demo_model / "debian/control").write_text("mine\n")
    assert init(demo_model) == 2
    assert "--force" in capsys.readouterr().err
    assert sorted(p.name for p in (demo_model / "debian").iterdir()) == ["control"]
    assert not list(demo_model.parent.glob("*.orig.tar.*"))


def test_force_keeps_numbered_backups(demo_model, capsys):
    (demo_model / "debian").mkdir()
    (demo_model / "debian/control").write_text("mine\n")
    assert init("--force", demo_model) == 0
    backup = demo_model.parent / "demo-embed.debian.bak-1"
    assert (backup / "control").read_text() == "mine\n"
    assert str(backup) in capsys.readouterr().out
    first = (demo_model / "debian/control").read_text()
    assert init("--force", demo_model) == 0
    assert (demo_model.parent / "demo-embed.debian.bak-2" / "control").read_text() == first


def test_failure_restores_the_previous_debian(demo_model, tmp_path, monkeypatch, capsys):
    """A template that prints a raw value fails after debmake ran: the old debian/ comes back."""
    broken = tmp_path / "templates"
    shutil.copytree(Path(cli.__file__).resolve().parent.parent / "templates", broken)
    (broken / "debian/rules.j2").write_text("{{ source }}\n")
    monkeypatch.setenv("DH_MLMODEL_TEMPLATES", str(broken))
    (demo_model / "debian").mkdir()
    (demo_model / "debian/control").write_text("mine\n")
    assert init("--force", demo_model) == 2
    assert "without an escaping filter" in capsys.readouterr().err
    assert sorted(p.name for p in (demo_model / "debian").iterdir()) == ["control"]
    assert not (demo_model.parent / "demo-embed.debian.bak-1").exists()


# ---------------------------------------------------------------- the upstream tarball

def test_orig_tarball_is_reproducible_and_leaves_debian_out(tmp_path):
    digests = []
    for run in ("a", "b"):
        model = tmp_path / run / "demo-embed"
        shutil.copytree(DEMO / "model", model)
        (model / "model.safetensors").touch()  # a different mtime must not matter
        assert init(model) == 0
        orig = tmp_path / run / "demo-embed_0~20251126.orig.tar.gz"
        digests.append(sha256(orig))
        with tarfile.open(orig) as tar:
            members = tar.getmembers()
        names = [m.name for m in members]
        assert names == sorted(names) and names[0] == "demo-embed-0~20251126"
        assert not any("/debian" in n for n in names)
        assert {m.uid for m in members} == {0} and {m.mtime for m in members} == {int(EPOCH)}
        assert {n.split("/", 1)[1] for n in names[1:]} == {p.name for p in (DEMO / "model").iterdir()}
    assert digests[0] == digests[1]


def test_no_orig(demo_model):
    assert init("--no-orig", demo_model) == 0
    assert not list(demo_model.parent.glob("*.orig.tar.*"))


# ---------------------------------------------------------------- single files, several formats

def _gguf(path: Path, license: str | None = "mit") -> Path:
    gguf = pytest.importorskip("gguf")
    np = pytest.importorskip("numpy")
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_name("Tiny Test")
    if license:
        writer.add_license(license)
    writer.add_tensor("token_embd.weight", np.ones((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def test_single_model_file_gets_its_own_tree(tmp_path):
    model = _gguf(tmp_path / "Tiny_Model.Q8.gguf")
    assert init(model) == 0
    tree = tmp_path / "tiny-model-0~20251126"
    assert (tree / "Tiny_Model.Q8.gguf").samefile(model)
    source, *binaries = control(tree)
    assert [b["Package"] for b in binaries] == ["tiny-model"]
    decl = yaml.safe_load((tree / "debian/mlmodel.yaml").read_text())["models"][0]
    assert decl["license"] == "MIT"  # general.license from the GGUF header
    assert (tmp_path / "tiny-model_0~20251126.orig.tar.gz").is_file()


def test_several_weight_formats_are_split(tmp_path):
    onnx = pytest.importorskip("onnx")
    model = tmp_path / "multi"
    shutil.copytree(DEMO / "model", model)
    _gguf(model / "model.gguf")
    graph = onnx.helper.make_graph([onnx.helper.make_node("Identity", ["x"], ["y"])], "g",
                                   [onnx.helper.make_tensor_value_info("x", onnx.TensorProto.FLOAT, [1])],
                                   [onnx.helper.make_tensor_value_info("y", onnx.TensorProto.FLOAT, [1])])
    onnx.save(onnx.helper.make_model(graph), str(model / "model.onnx"))
    assert init("--name", "multi-model", model) == 0
    names = [b["Package"] for b in control(model)[1:]]
    assert names == ["multi-model", "multi-model-gguf", "multi-model-onnx", "multi-model-tokenizer",
                     "multi-model-doc"]


# ---------------------------------------------------------------- refusals

@pytest.mark.parametrize("maintainer", ["Jane\nDoe <j@example.org>", "Jane, Doe <j@example.org>", "jane@example.org",
                                        "Jane <j@example.org>\nDepends: x"])
def test_bad_maintainer_is_refused(demo_model, maintainer, capsys):
    assert cli.main(["init", "--maintainer", maintainer, str(demo_model)]) == 2
    assert "--maintainer" in capsys.readouterr().err
    assert not (demo_model / "debian").exists()


def test_maintainer_from_environment(demo_model, monkeypatch):
    monkeypatch.setenv("DEBEMAIL", "env@example.org")
    monkeypatch.setenv("DEBFULLNAME", "Env Person")
    assert cli.main(["init", str(demo_model)]) == 0
    assert control(demo_model)[0]["Maintainer"] == "Env Person <env@example.org>"


@pytest.mark.parametrize("name", ["../evil", "a,b", "Evil", "evil-doc"])
def test_bad_name_is_refused_before_anything_is_written(demo_model, name, capsys):
    assert init("--name", name, demo_model) == 2
    assert "--name" in capsys.readouterr().err
    assert not (demo_model / "debian").exists()
    assert not list(demo_model.parent.glob("*.orig.tar.*"))


def test_symlinked_snapshot_is_refused_with_advice(tmp_path, capsys):
    """A Hugging Face cache snapshot links into ../../blobs: say how to get a real copy."""
    blobs = tmp_path / "blobs"
    shutil.copytree(DEMO / "model", blobs)
    snap = tmp_path / "snapshots" / "abc123"
    snap.mkdir(parents=True)
    for f in blobs.iterdir():
        (snap / f.name).symlink_to(f)
    assert init("--name", "demo-embed", snap) == 2
    err = capsys.readouterr().err
    assert "symlink" in err and "cp -rL" in err or "outside the model directory" in err


# ---------------------------------------------------------------- --update-sections

def test_update_sections_follows_the_filled_declaration(demo_model, capsys):
    assert init(demo_model) == 0
    path = demo_model / "debian/mlmodel.yaml"
    text = path.read_text()
    for pattern, replacement in FILLS:
        text = re.sub(pattern, replacement, text)
    # A complete, free declaration: the data and trainer ship with the demo (examples/demo/training).
    text = text.replace("        # license: SPDX-id\n", "        license: CC0-1.0\n", 1)
    text = text.replace("      completeness: complete\n", "      completeness: complete\n      license: Expat\n")
    path.write_text(text)
    before = (demo_model / "debian/control").read_text()
    assert cli.main(["init", "--update-sections", str(demo_model)]) == 0
    out = capsys.readouterr().out
    source, *binaries = control(demo_model)
    assert source["Section"] == "science" and binaries[2]["Section"] == "doc"
    assert "Section: non-free/science -> science" in out and "Section: non-free/doc -> doc" in out
    after = (demo_model / "debian/control").read_text()
    changed = [(a, b) for a, b in zip(before.splitlines(), after.splitlines()) if a != b]
    assert len(changed) == 3 and all(b.startswith(("Section: ", "# Section: main")) for _, b in changed)


def test_update_sections_refuses_a_rejected_model(demo_model, capsys):
    assert init(demo_model) == 0
    path = demo_model / "debian/mlmodel.yaml"
    text = path.read_text()
    for pattern, replacement in FILLS:
        text = re.sub(pattern, replacement, text)
    path.write_text(text.replace('license: "CC0-1.0"', 'license: "LicenseRef-Unknown"'))
    assert cli.main(["init", "--update-sections", str(demo_model)]) == 2
    assert "reject" in capsys.readouterr().err


# ---------------------------------------------------------------- upstream: Hub id, --upstream-url

def test_hub_id_gives_watch_homepage_and_metadata(tmp_path):
    import json

    model = tmp_path / "Demo-Embed"
    shutil.copytree(DEMO / "model", model)
    config = json.loads((model / "config.json").read_text())
    config["_name_or_path"] = "example-org/Demo-Embed"
    (model / "config.json").write_text(json.dumps(config))
    assert init(model) == 0
    url = "https://huggingface.co/example-org/Demo-Embed"
    source = control(model)[0]
    assert source["Source"] == "demo-embed" and source["Homepage"] == url
    watch = (model / "debian/watch").read_text()
    assert "version=4" in watch and re.search(rf"^\s+{re.escape(url)} HEAD$", watch, re.M)
    assert yaml.safe_load((model / "debian/upstream/metadata").read_text()) == {
        "Repository": url, "Repository-Browse": url}
    assert yaml.safe_load((model / "debian/mlmodel.yaml").read_text())["models"][0]["upstream"] == {"url": url}


@pytest.mark.parametrize("url", ["ftp://x", "https://x y", "https://x\nDepends: y", "javascript:alert(1)"])
def test_bad_upstream_url_is_refused(demo_model, url, capsys):
    assert init("--upstream-url", url, demo_model) == 2
    assert "--upstream-url" in capsys.readouterr().err


def test_upstream_url_without_hub(demo_model):
    assert init("--upstream-url", "https://example.org/models/demo", demo_model) == 0
    assert control(demo_model)[0]["Homepage"] == "https://example.org/models/demo"
    assert not (demo_model / "debian/watch").exists()
    assert "no debian/watch" in (demo_model / "debian/README.source").read_text()


def test_a_directory_without_model_files_is_refused(tmp_path, capsys):
    docs = tmp_path / "notes"
    docs.mkdir()
    (docs / "README.md").write_text("# not a model\n")
    (docs / "data.json").write_text("{}\n")
    assert init(docs) == 2
    assert "holds no model files" in capsys.readouterr().err
    assert not (docs / "debian").exists()


def test_base_model_and_missing_datasets_are_todos(demo_model):
    """A card naming a base model but no dataset: the base's category and the data are TODOs."""
    card = (demo_model / "README.md").read_text()
    card = re.sub(r"^datasets:.*?(?=^\w)", "", card, flags=re.M | re.S)
    card = card.replace("---\n", "---\nbase_model: example-org/base-model\n", 1)
    (demo_model / "README.md").write_text(card)
    assert init(demo_model) == 0
    path = demo_model / "debian/mlmodel.yaml"
    text = path.read_text()
    model = yaml.safe_load(text)["models"][0]
    assert model["base-model"] == [{"name": "example-org/base-model", "category": "TODO"}]
    assert model["training-data"] == "TODO"
    decl = fill_todos_one_by_one(path, text)
    assert decl.models[0].base_models[0].category == "free" and decl.models[0].training_data == "undeclared"


def test_fallback_autopkgtest_template():
    """Without `mlmodel autopkgtest`, tests/control is our superficial check of each package's record."""
    from dh_mlmodel.bootstrap import render
    from dh_mlmodel.bootstrap.context import template_context
    from dh_mlmodel.bootstrap.plan import make_plan
    from dh_mlmodel.inspect import inspect_model_dir

    plan = make_plan(inspect_model_dir(DEMO / "model", hash=False), epoch=0, fallback_name="demo-embed")
    files = render.render_all(template_context(plan, maintainer=MAINTAINER, epoch=0, origin="x", settled=True,
                                               autopkgtest=False), only=lambda rel: rel == "tests/control")
    paras = list(deb822.Deb822.iter_paragraphs(io.StringIO(files["tests/control"])))
    assert [p["Depends"] for p in paras] == ["demo-embed", "demo-embed-tokenizer", "demo-embed-doc"]
    assert paras[0]["Test-Command"] == "test -s /usr/share/mlmodel/demo-embed/.mlmodel/demo-embed.json"
    files = render.render_all(template_context(plan, maintainer=MAINTAINER, epoch=0, origin="x", settled=True,
                                               autopkgtest=True), only=lambda rel: rel == "tests/control")
    assert files == {}
