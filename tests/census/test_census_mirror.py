"""`mlmodel census` over a small real mirror: packages fetched with `apt-get download`, indexed with apt-ftparchive.

The packages are Debian's own models (tesseract, OpenCV cascades, an HTS
voice, a PocketSphinx acoustic model, GNU Backgammon's network) as the
host's apt sources have them (Debian 12 or 13); gnubg-data, which ships no
model, is in the mirror too and must not be a candidate.  The mirror is
read as a directory and over HTTP on 127.0.0.1.  The truths the rows are
checked against are dpkg-deb's (section, version, sizes), the copyright
files as read by hand (licences) and the decision table's rows for an
undeclared package (docs/policy.md §6, rule 1 and 4).
"""
from __future__ import annotations

import csv
import functools
import http.server
import io
import json
import os
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import STRICT, TOP

PACKAGES = ("tesseract-ocr-eng", "opencv-data", "festvox-us-slt-hts", "pocketsphinx-en-us", "gnubg", "gnubg-data")
MODELS = PACKAGES[:-1]
SUITE = "testing-census"


def _need(tool: str) -> None:
    if shutil.which(tool) is None:
        message = f"{tool} is not installed (tools/setup installs it)"
        pytest.fail(message) if STRICT else pytest.skip(message)


@pytest.fixture(scope="session")
def debs(tmp_path_factory) -> dict[str, Path]:
    """The real .debs, one `apt-get download` each, so that a failure names its package."""
    _need("apt-get")
    where = tmp_path_factory.mktemp("apt-debs")
    out = {}
    for package in PACKAGES:
        proc = subprocess.run(["apt-get", "download", "-q", package], cwd=where, capture_output=True, text=True)
        found = sorted(where.glob(f"{package}_*.deb"))
        if proc.returncode != 0 or not found:
            message = f"apt-get download {package} failed: {(proc.stderr or proc.stdout).strip()[-300:]}"
            pytest.fail(message) if STRICT else pytest.skip(message)
        out[package] = found[0]
    return out


def build_mirror(root: Path, debs: list[Path], suite: str = SUITE) -> Path:
    """A mirror as apt-ftparchive lays it out: pool/main/*.deb, Packages.xz and Contents-amd64.gz."""
    _need("apt-ftparchive")
    pool = root / "pool" / "main"
    pool.mkdir(parents=True, exist_ok=True)
    for deb in debs:
        shutil.copy(deb, pool / deb.name)
    dist = root / "dists" / suite / "main"
    (dist / "binary-amd64").mkdir(parents=True, exist_ok=True)
    packages = subprocess.run(["apt-ftparchive", "packages", "pool/main"], cwd=root, check=True,
                              capture_output=True).stdout
    contents = subprocess.run(["apt-ftparchive", "contents", "pool/main"], cwd=root, check=True,
                              capture_output=True).stdout
    subprocess.run(["xz", "-c"], input=packages, stdout=open(dist / "binary-amd64" / "Packages.xz", "wb"), check=True)
    subprocess.run(["gzip", "-n", "-c"], input=contents, stdout=open(dist / "Contents-amd64.gz", "wb"), check=True)
    return root


@pytest.fixture(scope="session")
def mirror_dir(debs, tmp_path_factory) -> Path:
    return build_mirror(tmp_path_factory.mktemp("mirror"), list(debs.values()))


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="session")
def mirror_url(mirror_dir):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(mirror_dir)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def census(mirror: str, cache: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(TOP)
    return subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "census", "--mirror", mirror, "--suite", SUITE,
                           "--cache", str(cache), "--json", str(out / "c.json"), "--csv", str(out / "c.csv"),
                           "--html", str(out / "c.html"), "--jobs", "2", *extra],
                          capture_output=True, text=True, env=env)


def dpkg_field(deb: Path, name: str) -> str:
    return subprocess.run(["dpkg-deb", "-f", str(deb), name], check=True, capture_output=True, text=True).stdout.strip()


def dpkg_sizes(deb: Path) -> dict[str, int]:
    """path -> size of the regular files, as dpkg-deb --contents lists them."""
    out = {}
    listing = subprocess.run(["dpkg-deb", "--contents", str(deb)], check=True, capture_output=True, text=True).stdout
    for line in listing.splitlines():
        fields = line.split(None, 5)
        if line.startswith("-"):
            out[fields[5].removeprefix("./")] = int(fields[2])
    return out


UNDECLARED_FREE = {  # decision table row 4 (training data undeclared), per profile: (section, category)
    "ml-policy": ("non-free", "toxic-candy"), "gr-a": ("non-free", "toxic-candy"),
    "model-is-source": (None, "reject"), "osaid": (None, "reject"), "training-inputs-honoured": (None, "reject")}


@pytest.fixture(scope="module", params=["dir", "http"])
def run(request, mirror_dir, tmp_path_factory):
    mirror = str(mirror_dir) if request.param == "dir" else request.getfixturevalue("mirror_url")
    out = tmp_path_factory.mktemp(f"census-{request.param}")
    proc = census(mirror, out / "cache", out)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((out / "c.json").read_text())
    return request.param, out, doc, {r["package"]: r for r in doc["packages"]}


def test_candidates_are_the_model_packages(run):
    _, _, doc, rows = run
    assert sorted(rows) == sorted(MODELS)  # gnubg-data ships no model: not even a candidate
    assert all(r["ships_model"] and not r["error"] for r in rows.values())
    assert doc["summary"]["ship_models"] == len(MODELS)


def test_rows_match_dpkg(run, debs):
    _, _, _, rows = run
    for package in MODELS:
        row, deb = rows[package], debs[package]
        assert row["section"] == dpkg_field(deb, "Section")
        assert row["version"] == dpkg_field(deb, "Version")
        assert row["architecture"] == dpkg_field(deb, "Architecture")
        assert row["deb_size"] == deb.stat().st_size
        sizes = dpkg_sizes(deb)
        for f in row["files"]:
            assert f["size"] == sizes[f["path"]]


def test_formats_sizes_and_licences(run, debs):
    _, _, _, rows = run
    assert rows["tesseract-ocr-eng"]["formats"] == ["tesseract"]
    assert rows["tesseract-ocr-eng"]["license"] == "Apache-2.0"
    assert rows["opencv-data"]["formats"] == ["opencv-cascade"]
    assert "BSD-3-Clause" in rows["opencv-data"]["license"]
    cascades = [p for p in dpkg_sizes(debs["opencv-data"]) if "cascades/" in p and p.endswith(".xml")]
    assert rows["opencv-data"]["model_count"] == len(cascades) > 10
    assert all(f["evidence"] == "marker" for f in rows["opencv-data"]["files"])  # <opencv_storage> seen in the bytes
    assert rows["festvox-us-slt-hts"]["formats"] == ["htsvoice"]
    assert rows["festvox-us-slt-hts"]["generative"] is True  # a voice synthesises speech
    assert rows["festvox-us-slt-hts"]["license"].startswith("EST-")
    assert rows["gnubg"]["formats"] == ["gnubg"]
    assert rows["gnubg"]["license"] == "GPL-3+"
    assert rows["gnubg"]["architecture"] != "all"  # the weights are built: Contents-amd64, not -all
    # PocketSphinx's model is its directory: every file of it counts, once.
    ps = rows["pocketsphinx-en-us"]
    sizes = dpkg_sizes(debs["pocketsphinx-en-us"])
    model_dir = {p: s for p, s in sizes.items() if p.startswith("usr/share/pocketsphinx/model/en-us/en-us/")}
    assert ps["formats"] == ["pocketsphinx"] and ps["model_count"] == 1
    assert ps["model_bytes"] == sum(model_dir.values())
    assert ps["license"] == "BSD-2"  # the copyright file's own short name, which is no SPDX id
    for row in rows.values():
        assert row["model_bytes"] >= row["largest_model"] > 0


def test_training_data_statements(run):
    _, _, _, rows = run
    slt = rows["festvox-us-slt-hts"]["training_data"]
    assert any("ARCTIC" in s["text"] for s in slt)
    assert any("trained" in s["text"] for s in rows["pocketsphinx-en-us"]["training_data"])
    assert all(r["training_data_declared"] == "undeclared" for r in rows.values())


def test_verdicts_of_undeclared_packages(run):
    _, _, _, rows = run
    for package, row in rows.items():
        assert not row["declared"]
        for profile, verdict in row["verdicts"].items():
            assert verdict["basis"] == "undeclared"
            if row["license_status"] == "unclear":  # BSD-2: rule 1, manual review, under every profile
                assert (verdict["rule"], verdict["category"], verdict["section"]) == (1, "reject", None), package
            else:
                assert row["license_status"] == "free", package
                assert verdict["rule"] == 4, package
                assert (verdict["section"], verdict["category"]) == UNDECLARED_FREE[profile], (package, profile)
    assert rows["pocketsphinx-en-us"]["license_status"] == "unclear"
    assert rows["tesseract-ocr-eng"]["license_status"] == "free"


def test_csv_and_html(run):
    _, out, _, rows = run
    table = list(csv.DictReader(io.StringIO((out / "c.csv").read_text())))
    assert sorted(r["package"] for r in table) == sorted(rows)
    by = {r["package"]: r for r in table}
    assert by["tesseract-ocr-eng"]["verdict:ml-policy"] == "non-free (toxic-candy, rule 4, undeclared)"
    assert by["pocketsphinx-en-us"]["verdict:osaid"] == "reject (rule 1, undeclared)"
    html5lib = pytest.importorskip("html5lib")  # python3-html5lib (tools/setup)
    page = (out / "c.html").read_text()
    html5lib.HTMLParser(strict=True).parse(page)
    for package in rows:
        assert f"<td>{package}" in page


def test_dir_and_http_agree(mirror_dir, mirror_url, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir(), b.mkdir()
    assert census(str(mirror_dir), a / "cache", a).returncode == 0
    assert census(mirror_url, b / "cache", b).returncode == 0
    da, db = json.loads((a / "c.json").read_text()), json.loads((b / "c.json").read_text())
    da["census"].pop("mirror"), db["census"].pop("mirror")
    assert da == db
    assert len(list((b / "cache" / "debs").glob("*.deb"))) == len(MODELS)  # fetched over HTTP, cached by sha256
    assert not list((a / "cache" / "debs").glob("*.deb"))  # a directory mirror is read in place


def rebuild_with_version(deb: Path, version: str, dest: Path) -> Path:
    """The same package with another Version (a new upload, as far as the census can tell)."""
    root = dest / "root"
    subprocess.run(["dpkg-deb", "-R", str(deb), str(root)], check=True)
    control = root / "DEBIAN" / "control"
    control.write_text("".join(f"Version: {version}\n" if line.startswith("Version:") else line
                               for line in control.read_text().splitlines(keepends=True)))
    out = dest / deb.name.replace(".deb", "+census.deb")
    subprocess.run(["dpkg-deb", "--root-owner-group", "-Zxz", "--build", str(root), str(out)], check=True,
                   capture_output=True)
    shutil.rmtree(root)
    return out


def test_rerun_inspects_only_changed_packages(debs, tmp_path, monkeypatch):
    from dh_mlmodel import census as census_mod
    from dh_mlmodel.census import run_census

    seen: list[str] = []
    real = census_mod.inspect_deb
    monkeypatch.setattr(census_mod, "inspect_deb", lambda path: seen.append(Path(path).name) or real(path))
    mirror = build_mirror(tmp_path / "mirror", list(debs.values()))
    cache = tmp_path / "cache"
    first = run_census(str(mirror), SUITE, ["main"], "amd64", cache)
    assert sorted(k.split(":")[0] for k in first.inspected) == sorted(MODELS) and first.reused == []
    assert len(seen) == len(MODELS)

    seen.clear()
    again = run_census(str(mirror), SUITE, ["main"], "amd64", cache)
    assert again.inspected == [] and seen == []  # nothing changed: no .deb is read
    assert again.rows == first.rows

    # A new version of one package: only it is read again; the other rows are the state file's.
    old = debs["tesseract-ocr-eng"]
    (mirror / "pool" / "main" / old.name).unlink()
    newer = rebuild_with_version(old, dpkg_field(old, "Version") + "+census1", tmp_path)
    build_mirror(mirror, [newer])
    seen.clear()
    third = run_census(str(mirror), SUITE, ["main"], "amd64", cache)
    assert [k.split(":")[0] for k in third.inspected] == ["tesseract-ocr-eng"]
    assert seen == [newer.name]
    rows = {r["package"]: r for r in third.rows}
    assert rows["tesseract-ocr-eng"]["version"].endswith("+census1")
    assert rows["tesseract-ocr-eng"]["formats"] == ["tesseract"]
    before = {r["package"]: r for r in first.rows}
    for package in MODELS:
        if package != "tesseract-ocr-eng":
            assert rows[package] == before[package]
