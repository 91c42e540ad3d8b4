"""The census against hostile mirrors and packages, the candidate rules, and a package that declares its model.

A mirror is as hostile as the .debs it serves: a Filename that leaves the
mirror, a .deb that is not the one the index lists, a data.tar with `..`
members or a decompression bomb, README text that is HTML or a spreadsheet
formula.  The packages are built with dpkg-deb (tests/lint/lintdebs.py) or
assembled by hand where dpkg-deb refuses the hostile member.
"""
from __future__ import annotations

import csv
import gzip
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lint"))
from lintdebs import build_deb, demo_spec, raw_deb, tar_of, with_record  # noqa: E402
from test_census_mirror import SUITE, build_mirror, census  # noqa: E402

from dh_mlmodel.census import rules, run_census  # noqa: E402
from dh_mlmodel.census.inspect import inspect_deb  # noqa: E402
from dh_mlmodel.detect import EXTENSION_CLAIMS  # noqa: E402


# ---------------------------------------------------------------- rules

@pytest.mark.parametrize("ext", sorted(set(EXTENSION_CLAIMS) - {".npy", ".npz", ".h5", ".hdf5"}))
def test_every_model_extension_detect_claims_is_a_candidate(ext):
    assert rules.match(f"usr/share/foo/anything{ext}") is not None
    assert rules.match(f"usr/share/foo/ANYTHING{ext.upper()}") is not None


@pytest.mark.parametrize("path, rule", [
    ("usr/share/tesseract-ocr/5/tessdata/eng.traineddata", "tesseract"),
    ("usr/share/opencv4/haarcascades/haarcascade_eye.xml", "opencv-cascade"),
    ("usr/share/opencv4/lbpcascades/lbpcascade_frontalface.xml", "opencv-cascade"),
    ("usr/share/festival/voices/us/x/hts/x.htsvoice", "htsvoice"),
    ("usr/share/pocketsphinx/model/en-us/en-us/mdef", "pocketsphinx"),
    ("usr/lib/gnubg/gnubg.wd", "gnubg"),
    ("usr/share/pico/lang/en-US_ta.bin", "pico"),
    ("usr/share/games/stockfish/nn-0000.nnue", "nnue"),
    ("usr/lib/python3/dist-packages/pkg/weights.pth", "pytorch"),
    ("usr/share/x/tokenizer.model", "sentencepiece"),
    ("usr/share/x/saved_model.pb", "tf-graph"),
    ("usr/share/RHVoice/voices/alan/voice.info", "rhvoice"),
    ("usr/share/dlib/shape_predictor_68_face_landmarks.dat", "dlib"),
    ("usr/share/hugin/data/celeste.model", "known-model"),
    ("usr/share/tegaki/models/zinnia/handwriting-ja.model", "known-model"),
    ("usr/share/apertium-apy/lid.release.ftz", "fasttext"),
    ("usr/share/lammps/potentials/x.model", "model-ext"),
])
def test_debian_model_paths(path, rule):
    assert rules.match(path).name == rule


@pytest.mark.parametrize("path", [
    "usr/lib/python3/dist-packages/distutils-precedence.pth",  # Python's site .pth files
    "usr/lib/python3.13/site-packages/foo.pth",
    "usr/share/opencv4/other/haarcascade_eye.xml",
    "usr/share/doc/foo/data.npy",  # numeric data, not a model by name
    "etc/foo/model.onnx",  # configuration, not data
    "usr/share/doc/foo/README.pt.gz",  # compressed docs are not models
    "usr/share/pocketsphinx/model/en-us/en-us/means",  # only the files that name the directory a model count
])
def test_not_candidates(path):
    assert rules.match(path) is None


def test_evidence_is_the_bytes_when_the_name_is_generic(tmp_path):
    spec = demo_spec(package="demo-evidence")
    spec.files["usr/share/x/lid.ftz"] = b"\xba\x16\x4f\x2f\x0c\x00\x00\x00" + bytes(64)  # fastText's magic
    spec.files["usr/share/x/other.ftz"] = bytes(range(256))  # binary, no magic
    spec.files["usr/share/x/lang.pt"] = b"Portuguese help text, not PyTorch\n"
    spec.files["usr/share/x/empty.onnx"] = b""
    facts = inspect_deb(build_deb(spec, tmp_path))
    evidence = {f.path: f.evidence for f in facts.files}
    assert evidence["usr/share/x/lid.ftz"] == "content"
    assert evidence["usr/share/x/other.ftz"] == "unconfirmed"
    assert evidence["usr/share/x/lang.pt"] == "none"
    assert evidence["usr/share/x/empty.onnx"] == "none"
    assert evidence["usr/share/mlmodel/demo-embed/model.safetensors"] == "content"


# ---------------------------------------------------------------- hostile mirrors

def _mirror_with_packages(root: Path, contents: str, packages: str) -> Path:
    dist = root / "dists" / SUITE / "main"
    (dist / "binary-amd64").mkdir(parents=True)
    (dist / "binary-amd64" / "Packages.gz").write_bytes(gzip.compress(packages.encode()))
    (dist / "Contents-amd64.gz").write_bytes(gzip.compress(contents.encode()))
    return root


def test_a_filename_outside_the_mirror_is_refused(tmp_path):
    outside = tmp_path / "outside.deb"
    outside.write_bytes(b"not read")
    mirror = _mirror_with_packages(
        tmp_path / "mirror", "usr/share/x/model.onnx  science/evil\n",
        "Package: evil\nVersion: 1\nArchitecture: all\nFilename: ../outside.deb\nSize: 8\n"
        f"SHA256: {'0' * 64}\n\n")
    result = run_census(str(mirror), SUITE, ["main"], "amd64", tmp_path / "cache")
    assert result.rows == [] and result.inspected == []


@pytest.mark.parametrize("stanza", [
    "Filename: pool/x.deb\nSize: -1\nSHA256: " + "0" * 64,  # a negative size
    "Filename: pool/x.deb\nSize: 8\nSHA256: " + "0" * 63 + "g",  # not a sha256
    "Filename: pool/x.tar\nSize: 8\nSHA256: " + "0" * 64,  # not a package
    "Filename: /etc/passwd\nSize: 8\nSHA256: " + "0" * 64,  # absolute
    "Size: 8\nSHA256: " + "0" * 64,  # no Filename
])
def test_unusable_stanzas_name_no_package(tmp_path, stanza):
    mirror = _mirror_with_packages(tmp_path / "mirror", "usr/share/x/model.onnx  science/evil\n",
                                   f"Package: evil\nVersion: 1\nArchitecture: all\n{stanza}\n\n")
    result = run_census(str(mirror), SUITE, ["main"], "amd64", tmp_path / "cache")
    assert result.rows == []


def test_a_deb_that_is_not_the_listed_one_is_an_error_naming_it(tmp_path):
    deb = build_deb(demo_spec(package="demo-embed"), tmp_path)
    mirror = build_mirror(tmp_path / "mirror", [deb])
    packages = mirror / "dists" / SUITE / "main" / "binary-amd64" / "Packages.xz"
    text = subprocess.run(["xz", "-dc", str(packages)], check=True, capture_output=True, text=True).stdout
    lines = [f"SHA256: {'1' * 64}" if line.startswith("SHA256:") else line for line in text.splitlines()]
    subprocess.run(["xz", "-c"], input="\n".join(lines).encode() + b"\n", stdout=open(packages, "wb"), check=True)
    out = tmp_path / "out"
    out.mkdir()
    proc = census(str(mirror), tmp_path / "cache", out)
    assert proc.returncode == 1
    assert "demo-embed" in proc.stderr and "sha256" in proc.stderr and "Traceback" not in proc.stderr
    row = json.loads((out / "c.json").read_text())["packages"][0]
    assert row["package"] == "demo-embed" and row["error"] and not row["ships_model"]


def test_an_index_bomb_line_is_skipped(tmp_path):
    """A Contents line longer than MAX_LINE is not kept (and does not cost its length in memory)."""
    from dh_mlmodel.census.mirror import MAX_LINE, Mirror

    mirror = _mirror_with_packages(tmp_path / "m", "usr/share/" + "a" * (3 * MAX_LINE) + ".onnx  x/evil\n"
                                   "usr/share/x/model.onnx  science/good\n", "")
    entries = list(Mirror(str(mirror)).contents(SUITE, "main", "amd64"))
    assert entries == [("usr/share/x/model.onnx", ["good"])]


# ---------------------------------------------------------------- hostile packages

def test_members_that_leave_the_spool_are_inspected_under_a_fixed_name(tmp_path, monkeypatch):
    import tempfile

    onnx_like = b"\x08\x07" + b"\x00" * 64
    deb = raw_deb(tmp_path, "evil", tar_of([
        ("./usr/share/x/../../../../../../../tmp/census-escape.onnx", onnx_like, ""),
        ("/usr/share/x/absolute.onnx", onnx_like, ""),
        ("./usr/share/x/fine.onnx", onnx_like, ""),
    ]))
    spool = tmp_path / "spool"
    spool.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(spool))
    facts = inspect_deb(deb)
    assert sorted(f.path for f in facts.files) == sorted([
        "usr/share/x/../../../../../../../tmp/census-escape.onnx", "/usr/share/x/absolute.onnx",
        "usr/share/x/fine.onnx"])
    assert not Path("/tmp/census-escape.onnx").exists()
    assert list(spool.iterdir()) == []  # every spool file removed
    for f in facts.files:
        assert f.format == "onnx" or any("malformed" in x for x in f.findings)


def test_a_decompression_bomb_stops_at_lints_budget(tmp_path):
    buf = io.BytesIO()
    size = 300 << 20
    with gzip.GzipFile(fileobj=buf, mode="wb", compresslevel=9) as gz, tarfile.open(fileobj=gz, mode="w|") as tar:
        info = tarfile.TarInfo("./usr/share/x/model.onnx")
        info.size = size

        class Zeros(io.RawIOBase):
            left = size

            def read(self, n=-1):
                n = min(self.left, 1 << 20 if n < 0 else n)
                self.left -= n
                return b"\x00" * n
        tar.addfile(info, Zeros())
    deb = raw_deb(tmp_path, "bomb", buf.getvalue(), name="data.tar.gz")
    facts = inspect_deb(deb)
    assert "decompresses to more than" in facts.limit


def test_readme_text_is_escaped_in_html_and_csv(tmp_path):
    spec = demo_spec(package="demo-evil")
    spec.files["usr/share/doc/demo-evil/copyright"] = (
        b"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
        b"Files: *\nCopyright: 2026 Nobody\nLicense: CC0-1.0\n")
    spec.files["usr/share/doc/demo-evil/README"] = (
        b"=HYPERLINK(\"http://x\") trained on <script>alert(1)</script>\nmore\n")
    deb = build_deb(spec, tmp_path)
    mirror = build_mirror(tmp_path / "mirror", [deb])
    out = tmp_path / "out"
    out.mkdir()
    proc = census(str(mirror), tmp_path / "cache", out)
    assert proc.returncode == 0, proc.stderr
    page = (out / "c.html").read_text()
    assert "<script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    row = next(csv.DictReader(io.StringIO((out / "c.csv").read_text())))
    assert row["training_data"].startswith("'=HYPERLINK")


# ---------------------------------------------------------------- a package that declares its model

def test_a_dh_mlmodel_record_is_the_declaration(tmp_path):
    declared = build_deb(with_record(demo_spec(package="demo-embed")), tmp_path)
    bare = build_deb(demo_spec(package="demo-bare"), tmp_path)
    mirror = build_mirror(tmp_path / "mirror", [declared, bare])
    result = run_census(str(mirror), SUITE, ["main"], "amd64", tmp_path / "cache")
    rows = {r["package"]: r for r in result.rows}
    assert rows["demo-embed"]["declared"] and not rows["demo-bare"]["declared"]
    assert rows["demo-embed"]["formats"] == rows["demo-bare"]["formats"] == ["safetensors"]
    # The record's inputs (free licence, free public data, complete code): rule 6, main, under ML-Policy.
    v = rows["demo-embed"]["verdicts"]["ml-policy"]
    assert (v["rule"], v["section"], v["basis"]) == (6, "main", "declared")
    # The same files without a record: the copyright file's licence, training data undeclared.
    w = rows["demo-bare"]["verdicts"]["ml-policy"]
    assert w["basis"] == "undeclared" and w["rule"] in (1, 4)
    assert rows["demo-bare"]["training_data_declared"] == "undeclared"


# ---------------------------------------------------------------- downloads

class _RangeServer:
    """An HTTP mirror that honours Range (or not), counting requests in flight."""

    def __init__(self, root: Path, ranges: bool):
        import functools
        import http.server
        import threading
        import time

        self.ranges_seen: list[str] = []
        self.active = self.peak = 0
        lock = threading.Lock()
        outer = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                with lock:
                    outer.active += 1
                    outer.peak = max(outer.peak, outer.active)
                try:
                    path = Path(self.translate_path(self.path))
                    rng = self.headers.get("Range")
                    if not path.is_file():
                        self.send_error(404)
                        return
                    data = path.read_bytes()
                    if path.suffix == ".deb":
                        time.sleep(0.05)  # long enough for the downloads to overlap
                    if rng and ranges:
                        outer.ranges_seen.append(rng)
                        start = int(rng.split("=")[1].rstrip("-"))
                        self.send_response(206)
                        self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
                        data = data[start:]
                    else:
                        self.send_response(200)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                finally:
                    with lock:
                        outer.active -= 1

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


@pytest.mark.parametrize("ranges", [True, False])
def test_a_partial_download_is_resumed(tmp_path, ranges):
    import hashlib

    deb = build_deb(demo_spec(package="demo-embed"), tmp_path)
    mirror = build_mirror(tmp_path / "mirror", [deb])
    data = deb.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    cache = tmp_path / "cache"
    (cache / "debs").mkdir(parents=True)
    (cache / "debs" / f"{sha}.part").write_bytes(data[:len(data) // 2])  # an interrupted earlier run
    with _RangeServer(mirror, ranges) as server:
        result = run_census(server.url, SUITE, ["main"], "amd64", cache)
    assert result.errors == [] and result.rows[0]["ships_model"]
    assert (cache / "debs" / f"{sha}.deb").read_bytes() == data
    assert not (cache / "debs" / f"{sha}.part").exists()
    assert server.ranges_seen == ([f"bytes={len(data) // 2}-"] if ranges else [])


def test_downloads_are_bounded(tmp_path, monkeypatch):
    import threading

    from dh_mlmodel.census.fetch import Fetcher

    debs = [build_deb(demo_spec(package=f"demo-{i}"), tmp_path) for i in range(8)]
    mirror = build_mirror(tmp_path / "mirror", debs)
    lock, state = threading.Lock(), {"active": 0, "peak": 0}
    real = Fetcher._fetch

    def counted(self, entry):  # the downloads in flight, counted where they are made
        with lock:
            state["active"] += 1
            state["peak"] = max(state["peak"], state["active"])
        try:
            return real(self, entry)
        finally:
            with lock:
                state["active"] -= 1
    monkeypatch.setattr(Fetcher, "_fetch", counted)
    with _RangeServer(mirror, True) as server:
        result = run_census(server.url, SUITE, ["main"], "amd64", tmp_path / "cache", jobs=2)
    assert len(result.rows) == 8 and result.errors == []
    assert state["peak"] == 2  # the server sleeps on each .deb, so two overlap; never three


def test_progress_bar_only_on_a_terminal():
    from dh_mlmodel.census.fetch import Progress

    class Tty(io.StringIO):
        def isatty(self):
            return True

    tty, pipe = Tty(), io.StringIO()
    for stream in (tty, pipe):
        bar = Progress(2, 2000, stream)
        bar.advance(1000, files=1)
        bar.advance(1000, files=1)
        bar.close()
    assert pipe.getvalue() == ""
    assert "\rmlmodel census: [" in tty.getvalue() and "2/2 packages" in tty.getvalue()


def test_summary_counts_a_directory_model_once_and_fixtures_apart():
    from dh_mlmodel.census.output import summary

    def f(path, rule, kind, size, unit_size, evidence="name"):
        return {"path": path, "rule": rule, "kind": kind, "size": size, "unit_size": unit_size, "evidence": evidence}

    verdicts = {p: {"section": "non-free", "category": "toxic-candy", "rule": 4, "basis": "undeclared"}
                for p in ("ml-policy", "gr-a", "model-is-source", "osaid", "training-inputs-honoured")}
    base = {"component": "main", "license_status": "free", "generative": False, "declared": False,
            "training_data": [], "error": "", "ships_model": True, "verdicts": verdicts, "unconfirmed": []}
    rows = [
        dict(base, package="ps", formats=["pocketsphinx"], model_bytes=600, files=[
            f("usr/share/ps/m/mdef", "pocketsphinx", "pocketsphinx", 100, 600),
            f("usr/share/ps/m/sendump", "pocketsphinx", "pocketsphinx", 200, 600)]),
        dict(base, package="onnx-tests", formats=["onnx"], model_bytes=30, files=[
            f("usr/share/x/tests/a.onnx", "ml-format", "onnx", 10, 10, "content"),
            f("usr/share/x/tests/b.onnx", "ml-format", "onnx", 20, 20, "content"),
            f("usr/share/x/tests/c.onnx", "ml-format", "onnx", 99, 99, "none")]),
    ]
    s = summary(rows)
    assert s["by_format_bytes"] == {"pocketsphinx": 600, "onnx": 30}
    assert s["fixtures_only"] == ["onnx-tests"]


def test_a_stanza_for_the_source_path_gives_the_models_licence(tmp_path):
    """RHVoice's copyright licenses data/voices/<voice>/*, installed as usr/share/RHVoice/voices/<voice>/."""
    spec = demo_spec(package="rhvoice-demo")
    spec.files["usr/share/RHVoice/voices/arina/voice.info"] = b"name=Arina\n"
    spec.files["usr/share/RHVoice/voices/arina/24000/mgc.pdf"] = bytes(range(256)) * 4
    spec.files["usr/share/opencv4/haarcascades/x.xml"] = b"<?xml version='1.0'?>\n<opencv_storage>\n</opencv_storage>\n"
    spec.files["usr/share/doc/rhvoice-demo/copyright"] = (
        b"Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
        b"Files: *\nCopyright: 2026 A\nLicense: GPL-2+\n\n"
        b"Files: data/*\nCopyright: 2026 A\nLicense: Apache-2.0\n\n"
        b"Files: data/voices/arina/*\nCopyright: 2026 B\nLicense: CC-BY-NC-ND-4.0\n")
    deb = build_deb(spec, tmp_path)
    from dh_mlmodel.census.row import package_license

    facts = inspect_deb(deb)
    voice = [f for f in facts.files if f.rule == "rhvoice"]
    cascade = [f for f in facts.files if f.rule == "opencv-cascade"]
    assert package_license(facts, voice)[0] == "CC-BY-NC-ND-4.0"
    assert package_license(facts, cascade)[0] == "GPL-2+"  # `data/*` without `data/` is `*`: says nothing
    mirror = build_mirror(tmp_path / "mirror", [deb])
    row = run_census(str(mirror), SUITE, ["main"], "amd64", tmp_path / "cache").rows[0]
    assert row["license_status"] == "non-free"  # NC and ND: DFSG 6 and 3
    assert {(v["rule"], v["section"]) for p, v in row["verdicts"].items() if p != "training-inputs-honoured"} == {
        (2, "non-free")}
