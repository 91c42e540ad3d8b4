"""The peer scanners' own test samples as regression data: caught / missed / false positives, per suite.

One command, from a checkout (the project venv has torch, numpy, joblib):

    /work/main/.venv/bin/python bench/peer_suites.py [--peer-venv /work/peer-venv] [--out DIR]

It fetches the pinned sources below (sdists with `pip download`, sha256
checked, through dh_mlmodel.corpus; the peers' git repositories at a pinned
commit from a local mirror when one exists, since their committed test data is
not in every sdist), runs the peers' sample generators in a scratch dir (each
in a subprocess), asks the loaders themselves what every sample does
(bench/pickle_oracle.py, in a subprocess with a memory limit), scans every
sample with each peer (bench/peers.py inside the peer venv, created with the
pinned versions of bench/requirements-risk.txt when missing), with our
`scan_file` and with `bin/mlmodel inspect`, and prints a Markdown table, also
saved with the per-sample JSON in DIR (default bench/.cache/peer-suites/).

Truth per sample (bench/pickle_oracle.py `truth_of`): "unsafe" when a loader
imports a global outside the oracle's short INERT list, or its first pickle
breaks after importing or calling something or after a PROTO header (cannot
be proven safe); "safe" when a loader read it to the end with INERT globals
only; for samples no loader reads a pickle out of, the peer suite's own
expectation (LABELS below); else "unjudged" (counted, not scored).

    --misses DIR   also write DIR/peer-misses.md and copy each missed sample into DIR/peer-samples/
    --rerender     redraw the table from DIR/samples.json of the last run

The exit status is 1 while we miss a sample that a peer catches and the truth
calls unsafe, or while a peer flags a sample we pass without a recorded
decision (PEER_ONLY: why the peer's flag is a false positive).
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import selectors
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BENCH = Path(__file__).resolve().parent

from dh_mlmodel.corpus import PEER_CASES, default_dest, fetch_case  # noqa: E402
from pickle_oracle import _DOTTED, truth_of  # noqa: E402  (bench/pickle_oracle.py)

# --- pinned sources ----------------------------------------------------------

SDISTS = {c.name.removeprefix("peer-"): c for c in PEER_CASES.values()}  # pinned in dh_mlmodel/corpus.py
# suite -> (GitHub repository, commit, test dir): the tag of the pinned version where the mirror has it
REPOS = {
    "picklescan": ("mmaitre314/picklescan", "f15d54da3dec9aa28a87ede82f87882bb80f1023", "tests"),   # v1.0.5
    # main of 2025-08-06: the mirror has no v0.8.8 tag
    "modelscan": ("protectai/modelscan", "8b8ed4bf78a863fcf3b664888dc7ff6ae22f5230", "tests"),
    "fickling": ("trailofbits/fickling", "c3c695cdcce451c04dfe892802675161614287a2", "test"),       # v0.1.12
}
MIRRORS = Path(os.environ.get("PEER_MIRRORS", "/work/.mirror"))  # <owner>+<name>/repo, bare git dirs
SUITES = ("picklescan", "modelscan", "fickling", "modelaudit")
OURS = ("dh-mlmodel scan_file", "mlmodel inspect", "dh-mlmodel")  # the last: either of the two
PEER_NAMES = ("picklescan", "modelscan", "fickling", "modelaudit")
SCANNERS = OURS + PEER_NAMES


@dataclass
class Sample:
    suite: str
    rel: str            # where the suite has it: sdist:… repo:… gen:…
    path: Path
    label: str | None   # the suite's own expectation: "unsafe", "safe" or None
    oracle: dict = field(default_factory=dict)
    verdicts: dict = field(default_factory=dict)

    @property
    def truth(self) -> str:
        return truth_of(self.oracle, self.label)


# --- labels: the expectation each suite's tests assert, for samples no pickle loader reads ----
# (suite, pattern on the sample's path, label); first match wins.  Only samples that run code
# when their loader reads them are "unsafe": a config with a suspicious URL in it is not.
LABELS = (
    ("fickling", r"^gen:test_bypasses/[^/]*(test_safe_|_not_flagged|_not_shadowed)", "safe"),  # assert LIKELY_SAFE
    ("fickling", r"^gen:test_bypasses/", "unsafe"),          # the rest assert severity > LIKELY_SAFE
    ("modelaudit", r"/jinja2/(malicious|obfuscated)/", "unsafe"),  # template injection (CVE-2024-34359 class)
    ("modelaudit", r"/jinja2/(standalone|yaml)/malicious_", "unsafe"),
    ("modelaudit", r"/jinja2/(benign|standalone/benign_|yaml/model_config)", "safe"),
    ("modelaudit", r"/keras/malicious_lambda\.h5$", "unsafe"),  # Lambda bytecode in the config
    # custom_layer_attack / loss_injection / metric_injection name a class or function that the loading
    # program must supply (custom_objects): no code in the file, so they stay unjudged
    ("modelaudit", r"/tensorflow/malicious_pyfunc/", "unsafe"),
    ("modelaudit", r"/(keras/safe_model\.h5|tensorflow/safe_savedmodel/|safetensors/|sentencepiece/)", "safe"),
    ("modelaudit", r"/archives/safe_model\.zip$", "safe"),
    ("picklescan", r"/malicious1\.7z$", "unsafe"),             # the malicious1 pickle in a 7z archive
    ("picklescan", r"/malicious1_[^/]*\.zip$", "unsafe"),       # ditto in zips with odd flags (their test expects it)
    ("picklescan", r"/(benign_password_protected\.zip|not_a_pickle\.bin|int_arrays?(_compressed)?\.np[yz])$", "safe"),
)


# --- peer flags we do not share: the decision for each (issue 13: a peer false positive, and why) ----
# (suite, pattern on the sample's path, why no loader runs code and the bytes are proven safe)
PEER_ONLY = (
    ("picklescan", r"/bad_pytorch\.pt$",
     "the 8-byte PNG signature. From byte 0 it is NEWFALSE, then PERSID `NG\\r`: pickle.load and torch's "
     "legacy reader (its first pickle has no persistent_load) fail there; a reader with torch's "
     "persistent_load (only a zip's data.pkl or a tar member) asserts a tuple and fails too. Nothing is "
     "imported or called, every loader refuses it; no PNG reader accepts it either, so it is no image"),
    ("picklescan", r"/(new_)?pytorch_model\.bin$",
     "a real torch checkpoint: the loaders import only torch's rebuild functions, storages and "
     "collections.OrderedDict, all on torch's weights-only allowlist"),
    ("fickling", r"test_safe_builtin_dict_not_flagged",
     "`builtins.dict()`: a plain-data constructor (fickling's own test asserts it is not flagged); "
     "ours is a warning (pickle-imports-unlisted-benign-class), accepted per file"),
    ("modelaudit", r"/(decode_exec_chain|nested_pickle_base64|nested_pickle_hex)\.pkl$",
     "a dict of str values; some hold base64 or hex text of a pickle or of Python source. Loading imports "
     "nothing; decoding and running the text would be the model code's doing, as with any string. We "
     "walk a bytes value that is itself a pickle (a blob made for pickle.loads), not encodings of one"),
    ("picklescan", r"/not_a_pickle\.bin$",
     "`cmod\\n\\xf8\\n`: a GLOBAL whose name is not UTF-8; every unpickler fails there, importing "
     "nothing (picklescan's own test calls it not a pickle)"),
    ("modelaudit", r"/safetensors/malicious_import\.safetensors$",
     "`import os; os.system(...)` as text in the safetensors `__metadata__`: safetensors loaders parse "
     "the header as JSON and never run a metadata string"),
    ("modelaudit", r"/license_scenarios/",
     "a licence finding (a CC-NC data set), not code on load: licences are the policy stage's "
     "(dh_mlmodel decides the archive area), not the risk scan's"),
    ("modelaudit", r"/simple_nested\.pkl$",
     "a dict whose bytes value is a pickle of a dict of str: we walk the inner pickle, which imports nothing"),
)


FICKLING_NOT_A_PICKLE = ("fickling flags every file its pickle parser rejects (JSON, YAML, templates, HDF5, "
                         "safetensors, protobuf, sentencepiece, plain .npy); the loaders' record shows no "
                         "pickle read out of it, no import and no call")


def peer_only_reason(s: "Sample") -> str | None:
    for who, pattern, why in PEER_ONLY:
        if who == s.suite and re.search(pattern, s.rel):
            return why
    peers = [n for n in PEER_NAMES if caught(s.verdicts.get(n, ""))]
    o = s.oracle
    # a name no import resolves (YAML text read as GLOBAL's line) imports nothing
    imports = [g for g in o.get("imports", []) if _DOTTED.match(g)]
    if peers == ["fickling"] and not (imports or o.get("calls") or o.get("errors")) \
            and not any(x.startswith("pickle:") for x in o.get("loaders", [])):
        return FICKLING_NOT_A_PICKLE
    return None


def peer_only(samples: list["Sample"]) -> list["Sample"]:
    """Samples a peer flags that we do not, and that the truth does not call unsafe (those are misses)."""
    return [s for s in samples if s.truth != "unsafe" and not caught(s.verdicts.get("dh-mlmodel", ""))
            and any(caught(s.verdicts.get(n, "")) for n in PEER_NAMES)]


def label_of(suite: str, rel: str) -> str | None:
    for who, pattern, label in LABELS:
        if who == suite and re.search(pattern, rel):
            return label
    return None


# --- fetching ------------------------------------------------------------------

def fetch_sdists(root: Path) -> dict[str, Path]:
    out = {}
    for suite, case in SDISTS.items():
        fetch_case(case, root)
        out[suite] = root / case.name
    return out


def fetch_repo(suite: str, cache: Path) -> tuple[Path | None, str]:
    """The suite's test dir at the pinned commit, from a bare mirror (blobs the mirror lacks are noted, not fatal)."""
    repo, commit, sub = REPOS[suite]
    dest = cache / f"repo-{suite}-{commit[:12]}"
    note = f"{repo}@{commit[:12]}"
    if (dest / ".complete").is_file():
        return dest, note + (dest / ".complete").read_text().strip().partition(" ")[2]
    git_dir = MIRRORS / repo.replace("/", "+") / "repo"
    git = ["git", "-C", str(git_dir)]
    tree = subprocess.run(git + ["ls-tree", "-r", "-z", commit, "--", sub], stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE) if git_dir.is_dir() else None
    if tree is None or tree.returncode:
        why = f"no mirror at {git_dir} (set PEER_MIRRORS)" if tree is None else tree.stderr.decode().strip()[:120]
        return None, f"{note}: {why}"
    shutil.rmtree(dest, ignore_errors=True)
    absent = 0
    for entry in tree.stdout.split(b"\0"):
        if not entry:
            continue
        meta, _, name = entry.decode().partition("\t")
        mode, kind, blob = meta.split()
        if kind != "blob" or mode == "120000" or ".." in name.split("/"):
            continue
        data = subprocess.run(git + ["cat-file", "blob", blob], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        if data.returncode:
            absent += 1  # the mirror keeps only a listing of its largest files
            continue
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        (dest / name).write_bytes(data.stdout)
    extra = f" ({absent} large blob(s) absent from the mirror)" if absent else ""
    (dest / ".complete").write_text(f"{commit}{extra}\n")
    return dest, note + extra


# --- the peers' generators, each in a subprocess in a scratch dir ---------------

# picklescan's generator writes each file in turn and stops at the first one whose payload module
# (aiohttp, py7zr…) is not installed; this driver runs every initialize_* step on its own.
PICKLESCAN_DRIVER = '''
import functools, sys, init_data_files as g
failed = []
def tolerant(fn):
    @functools.wraps(fn)
    def run(*a, **k):
        try:
            return fn(*a, **k)
        except Exception as exc:
            failed.append(f"{fn.__name__}{a[:1]}: {type(exc).__name__}: {exc}")
    return run
for name in dir(g):
    if name.startswith("initialize_") and name not in ("initialize_pickle_files", "initialize_numpy_files"):
        setattr(g, name, tolerant(getattr(g, name)))
for step in (g.initialize_pickle_files, g.initialize_numpy_files):
    try:
        step()
    except Exception as exc:
        failed.append(f"{step.__name__}: {type(exc).__name__}: {exc}")
print("\\n".join(failed[:20]))
print(f"{len(failed)} generator step(s) failed")
'''

# One of ModelAudit's tests/assets/generators, run as __main__ (one without a main block gets its
# generate_* functions called) from the copy's root, where they write tests/assets/.  Each in its own
# process: generate_os_alias_tests.py removes `posix` from sys.modules.
MODELAUDIT_DRIVER = '''
import inspect, pathlib, runpy, sys
script = pathlib.Path(sys.argv[1])
names = runpy.run_path(str(script), run_name="__main__")
if "__main__" not in script.read_text():
    for name, fn in names.items():
        if name.startswith("generate_") and inspect.isfunction(fn) and not inspect.signature(fn).parameters:
            fn()
'''

FICKLING_CAPTURE = '''
import os, hashlib, fickling.analysis as an
OUT = os.environ["PEER_CAPTURE"]
_real = an.check_safety
def check_safety(pickled, *a, **k):
    try:
        data = pickled.dumps()
        test = os.environ.get("PYTEST_CURRENT_TEST", "x").split(" ")[0]
        mod, _, name = test.partition("::")
        d = os.path.join(OUT, os.path.basename(mod).removesuffix(".py"))
        os.makedirs(d, exist_ok=True)
        tag = hashlib.sha256(data).hexdigest()[:8]
        with open(os.path.join(d, name.replace("::", ".") + "-" + tag + ".pkl"), "wb") as f:
            f.write(data)
    except Exception:
        pass
    return _real(pickled, *a, **k)
an.check_safety = check_safety
'''


def run_generators(repos: dict[str, Path], sdists: dict[str, Path], scratch: Path,
                   peer_python: Path) -> dict[str, tuple[Path | None, str]]:
    out: dict[str, tuple[Path | None, str]] = {}
    if "picklescan" in repos:
        work = scratch / "picklescan" / "tests"
        shutil.rmtree(work.parent, ignore_errors=True)
        work.mkdir(parents=True)
        shutil.copy(repos["picklescan"] / "tests" / "init_data_files.py", work)
        (work / "data").mkdir()
        (work / "data2").mkdir()
        proc = _sub([sys.executable, "-c", PICKLESCAN_DRIVER], work)
        out["picklescan"] = (work, f"init_data_files.py: exit {proc.returncode}{_tail(proc)}")
    if "fickling" in repos:
        work = scratch / "fickling"
        shutil.rmtree(work, ignore_errors=True)
        (work / "plugin").mkdir(parents=True)
        (work / "plugin" / "fickling_capture.py").write_text(FICKLING_CAPTURE)
        shutil.copytree(repos["fickling"] / "test", work / "test")
        env = {**os.environ, "PEER_CAPTURE": str(work / "out"), "PYTHONPATH": str(work / "plugin")}
        tests = [f"test/{t}" for t in ("test_bypasses.py", "test_crashes.py", "test_pickle.py",
                                        "test_polyglot.py", "test_pytorch.py", "test_expansion_attack_analysis.py")]
        ends = []
        for t in tests:  # one run each: a file that cannot be collected (no torch in the peer venv) stops only itself
            proc = _sub([str(peer_python), "-m", "pytest", "-q", "-p", "fickling_capture", "-p", "no:cacheprovider",
                         "--basetemp", str(work / "tmp" / Path(t).stem), t], work, env)
            ends.append(f"{Path(t).stem}{_tail(proc)}")
        out["fickling"] = (work / "out", "pytest with a check_safety recorder: " + "; ".join(ends))
    if "modelaudit" in sdists:
        work = scratch / "modelaudit"
        shutil.rmtree(work, ignore_errors=True)
        generators = next(sdists["modelaudit"].glob("*/tests/assets/generators"))
        shutil.copytree(generators, work / "tests" / "assets" / "generators")
        failed = []
        scripts = sorted((work / "tests" / "assets" / "generators").glob("generate_*.py"))
        for script in scripts:
            proc = _sub([sys.executable, "-c", MODELAUDIT_DRIVER, str(script.relative_to(work))], work)
            if proc.returncode:
                failed.append(f"{script.name}{_tail(proc)}")
        out["modelaudit"] = (work / "tests" / "assets", f"tests/assets/generators: {len(scripts) - len(failed)} of "
                                                        f"{len(scripts)} ran; failed: {'; '.join(failed) or 'none'}")
    out.setdefault("modelscan", (None, "tests/test_modelscan.py writes its samples from fixtures that import "
                                       "tensorflow and tf_keras: not run"))
    return out


def _sub(cmd: list[str], cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    try:
        return subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, timeout=900)
    except subprocess.TimeoutExpired as exc:
        return subprocess.CompletedProcess(cmd, -9, (exc.stdout or b"").decode(errors="replace")
                                           if isinstance(exc.stdout, bytes) else (exc.stdout or ""))


def _tail(proc) -> str:
    lines = [l for l in (proc.stdout or "").strip().splitlines() if l.strip()]
    return f" ({lines[-1][:100]})" if lines else ""


# --- collecting -----------------------------------------------------------------

_SKIP = re.compile(r"\.(py|pyc|md|txt|csv|cfg|toml|ini|in|rst)$|(^|/)(LICENSE[^/]*|PKG-INFO|\.complete|\.sources|"
                   r"__pycache__/.*)$")


def collect(suite: str, kind: str, base: Path) -> list[Sample]:
    out = []
    for path in sorted(p for p in base.rglob("*") if p.is_file() and not p.is_symlink() and p.stat().st_size):
        rel = path.relative_to(base).as_posix()
        if _SKIP.search(rel) or "/tmp/" in f"/{rel}" and kind != "gen":
            continue
        tag = f"{kind}:{rel}"
        out.append(Sample(suite, tag, path, label_of(suite, tag)))
    return out


def dedupe(samples: list[Sample]) -> list[Sample]:
    """One entry per (suite, content): the generators rewrite many committed files byte for byte."""
    seen: dict[tuple[str, str], Sample] = {}
    for s in samples:
        digest = hashlib.sha256(s.path.read_bytes()).hexdigest()
        key = (s.suite, digest)
        if key in seen:
            seen[key].label = seen[key].label or s.label
            continue
        seen[key] = s
    return list(seen.values())


# --- judging and scanning -------------------------------------------------------

def run_oracle(samples: list[Sample]) -> None:
    """bench/pickle_oracle.py over all samples; a sample that kills or stalls the worker is noted and skipped."""
    todo = list(samples)
    while todo:
        proc = subprocess.Popen([sys.executable, str(BENCH / "pickle_oracle.py")], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1,
                                preexec_fn=_limit_memory)
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        while todo:
            s = todo[0]
            proc.stdin.write(str(s.path) + "\n")
            proc.stdin.flush()
            line = proc.stdout.readline() if sel.select(timeout=60) else ""
            if not line:
                s.oracle = {"timeout": True, "imports": [], "calls": [], "errors": ["oracle worker died or stalled"]}
                todo.pop(0)
                proc.kill()
                break
            s.oracle = json.loads(line)
            todo.pop(0)
        proc.stdin.close()
        proc.kill()
        proc.wait()


def _limit_memory() -> None:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))


def run_ours(samples: list[Sample], stage: Path) -> None:
    import logging
    logging.disable(logging.CRITICAL)
    from peers import guarded, ours
    for s in samples:
        s.verdicts["dh-mlmodel scan_file"] = guarded(ours, s.path)
    shutil.rmtree(stage, ignore_errors=True)
    staged = [(s, _loader_name(s, stage / str(i))) for i, s in enumerate(samples)]
    for i in range(0, len(staged), 40):
        _inspect_batch(staged[i:i + 40])
    for s in samples:
        s.verdicts["dh-mlmodel"] = "caught" if "caught" in (s.verdicts["dh-mlmodel scan_file"],
                                                            s.verdicts["mlmodel inspect"]) else "missed"


def _loader_name(s: Sample, where: Path) -> Path:
    """The sample under the name a loader reads it by (a tokenizer config, a chat template file), for inspect.

    A peer's `direct_eval.json` is a tokenizer config; transformers only reads it as tokenizer_config.json.
    """
    name = None
    if s.path.suffix == ".json" and s.path.name != "tokenizer_config.json":
        try:
            if "chat_template" in json.loads(s.path.read_text()):
                name = "tokenizer_config.json"
        except (ValueError, UnicodeDecodeError, TypeError):
            pass
    elif s.path.suffix in (".template", ".j2"):
        name = "chat_template.jinja"
    if name is None:
        return s.path
    where.mkdir(parents=True)
    shutil.copyfile(s.path, where / name)
    return where / name


def _inspect_batch(batch: list[tuple[Sample, Path]]) -> None:
    cmd = [sys.executable, str(ROOT / "bin" / "mlmodel"), "inspect", "--json", "--no-hash"]
    proc = subprocess.run(cmd + [str(p) for _, p in batch], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        files = {f["path"]: f for f in json.loads(proc.stdout)["files"]}
    except (ValueError, KeyError):
        files = None
    if files is None and len(batch) > 1:
        for one in batch:  # one sample broke the batch: find which
            _inspect_batch([one])
        return
    for s, p in batch:
        f = (files or {}).get(str(p))
        if f is None:
            err = (proc.stderr.strip().splitlines() or ["no output"])[-1][:80]
            s.verdicts["mlmodel inspect"] = "caught" if proc.returncode and "error" in err.lower() else f"crash ({err})"
        else:
            error = any(x["severity"] == "error" for x in f["findings"])
            s.verdicts["mlmodel inspect"] = "caught" if error else "missed"


def run_peers(samples: list[Sample], peer_python: Path) -> dict[str, str]:
    env = {**os.environ, "PROMPTFOO_DISABLE_TELEMETRY": "1", "NO_ANALYTICS": "1"}  # ModelAudit would phone home
    proc = subprocess.run([str(peer_python), str(BENCH / "peers.py")], input="".join(f"{s.path}\n" for s in samples),
                          stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd="/tmp", env=env,
                          preexec_fn=_limit_memory, timeout=7200)
    lines = [json.loads(l) for l in proc.stdout.splitlines() if l.startswith("{")]
    versions = lines[0]["versions"] if lines and "versions" in lines[0] else {}
    by_path = {l["path"]: l for l in lines[1:]}
    for s in samples:
        got = by_path.get(str(s.path), {})
        for name in PEER_NAMES:
            s.verdicts[name] = got.get(name, "crash (peer worker died)")
    return versions


def ensure_peer_venv(venv: Path) -> Path:
    python = venv / "bin" / "python"
    if not python.is_file():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    reqs = BENCH / "requirements-risk.txt"
    probe = subprocess.run([str(python), "-c", "import picklescan, modelscan, fickling, modelaudit, pytest"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if probe.returncode:
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(reqs)], check=True)
    return python


# --- the table --------------------------------------------------------------------

def caught(v: str) -> bool:
    return v == "caught"


def table(samples: list[Sample]) -> str:
    rows = ["| suite | samples | unsafe | safe | unjudged | " + " | ".join(
        f"{n}: caught / missed / FP" for n in SCANNERS) + " |", "|---|---|---|---|---|" + "---|" * len(SCANNERS)]
    for suite in (*SUITES, "all"):
        group = [s for s in samples if suite in ("all", s.suite)]
        if not group:
            continue
        unsafe = [s for s in group if s.truth == "unsafe"]
        safe = [s for s in group if s.truth == "safe"]
        cells = []
        for n in SCANNERS:
            c = sum(caught(s.verdicts.get(n, "")) for s in unsafe)
            fp = sum(caught(s.verdicts.get(n, "")) for s in safe)
            cells.append(f"{c} / {len(unsafe) - c} / {fp}")
        name = f"**{suite}**" if suite == "all" else suite
        rows.append(f"| {name} | {len(group)} | {len(unsafe)} | {len(safe)} | {len(group) - len(unsafe) - len(safe)} | "
                    + " | ".join(cells) + " |")
    return "\n".join(rows)


def misses(samples: list[Sample]) -> list[Sample]:
    """Unsafe samples a peer catches and our scan_file or inspect does not."""
    out = []
    for s in samples:
        if s.truth != "unsafe":
            continue
        peer = [n for n in PEER_NAMES if caught(s.verdicts.get(n, ""))]
        if peer and not caught(s.verdicts.get("dh-mlmodel", "")):
            out.append(s)
    return out


def false_positives(samples: list[Sample]) -> list[Sample]:
    return [s for s in samples if s.truth == "safe" and caught(s.verdicts.get("dh-mlmodel", ""))]


def describe(s: Sample) -> str:
    o = s.oracle
    seen = ", ".join(o.get("imports", [])[:6]) or "no global"
    calls = "a call reached" if o.get("calls") else "no call"
    err = f"; stream error: {o['errors'][0]}" if o.get("errors") else ""
    return f"imports {seen}; {calls}{err}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--peer-venv", type=Path, default=Path(os.environ.get("PEER_VENV", "/work/peer-venv")))
    ap.add_argument("--out", type=Path, default=BENCH / ".cache" / "peer-suites")
    ap.add_argument("--cache", type=Path, default=None, help="sdist cache (default: the corpus cache)")
    ap.add_argument("--misses", type=Path, default=None,
                    help="also write DIR/peer-misses.md and copy each missed sample into DIR/peer-samples/")
    ap.add_argument("--rerender", action="store_true", help="only re-render DIR/samples.json of the last run")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    if args.rerender:
        return rerender(args)
    peer_python = ensure_peer_venv(args.peer_venv)
    sources = {}
    samples: list[Sample] = []
    sdists = fetch_sdists(args.cache or default_dest())
    for suite, base in sdists.items():
        sources[suite] = [f"sdist {SDISTS[suite].specs[0]} sha256 {next(iter(SDISTS[suite].pins.values()))[:16]}…"]
        samples += collect(suite, "sdist", base)
    repos = {}
    for suite in REPOS:
        path, note = fetch_repo(suite, args.out / "src")
        sources[suite].append(f"repo {note}")
        if path:
            repos[suite] = path
            samples += collect(suite, "repo", path)
    for suite, (path, note) in run_generators(repos, sdists, args.out / "scratch", peer_python).items():
        sources[suite].append(f"generator {note}")
        if path:
            samples += [s for s in collect(suite, "gen", path)]
    samples = dedupe(samples)
    print(f"{len(samples)} samples; judging with the loaders…", file=sys.stderr, flush=True)
    run_oracle(samples)
    print("scanning with dh-mlmodel…", file=sys.stderr, flush=True)
    run_ours(samples, args.out / "scratch" / "inspect")
    print("scanning with the peers…", file=sys.stderr, flush=True)
    versions = run_peers(samples, peer_python)
    report = render(samples, sources, versions)
    (args.out / "table.md").write_text(report)
    (args.out / "sources.json").write_text(json.dumps({"sources": sources, "versions": versions}, indent=1))
    (args.out / "samples.json").write_text(json.dumps(
        [{"suite": s.suite, "sample": s.rel, "path": str(s.path), "label": s.label, "truth": s.truth,
          "oracle": s.oracle, "verdicts": s.verdicts} for s in samples], indent=1, sort_keys=True))
    print(report)
    if args.misses:
        write_misses(samples, args.misses)
    return 1 if misses(samples) or _undecided(samples) else 0


def _undecided(samples: list[Sample]) -> list[Sample]:
    return [s for s in peer_only(samples) if peer_only_reason(s) is None]


def rerender(args) -> int:
    saved = json.loads((args.out / "samples.json").read_text())
    samples = [Sample(d["suite"], d["sample"], Path(d["path"]), label_of(d["suite"], d["sample"]), d["oracle"],
                      d["verdicts"]) for d in saved]
    meta = json.loads((args.out / "sources.json").read_text())
    print(render(samples, meta["sources"], meta["versions"]))
    if args.misses:
        write_misses(samples, args.misses)
    return 1 if misses(samples) or _undecided(samples) else 0


def _owner(s: Sample) -> str:
    """Which area a miss belongs to: pickle streams and archives, or configs and graphs (risk/other.py)."""
    o = s.oracle
    if o.get("imports") or o.get("calls") or o.get("errors") or s.path.suffix in (".7z", ".pkl", ".pt", ".bin"):
        return "pickle_scan/containers"
    return "other.py"


HAND_NOTES = "## What each miss is"  # a section written by hand below this heading survives a rerun


def write_misses(samples: list[Sample], notes: Path) -> None:
    """One line per miss, with a copy of the sample others can read (the cache is not shared)."""
    copies = notes / "peer-samples"
    copies.mkdir(parents=True, exist_ok=True)
    lines = ["# Peer-suite samples dh-mlmodel misses (written by bench/peer_suites.py --misses)", "",
             "Each: a copy of the sample; the peers that catch it; what the loaders did (bench/pickle_oracle.py).", ""]
    def copy_of(s: Sample) -> Path:
        copy = copies / f"{s.suite}--{re.sub(r'[^A-Za-z0-9._-]+', '_', s.rel.split(':', 1)[1])}"
        shutil.copyfile(s.path, copy)
        return copy

    for s in misses(samples):
        copy = copy_of(s)
        peer = ", ".join(n for n in PEER_NAMES if caught(s.verdicts.get(n, "")))
        lines.append(f"- `{copy}` ({s.suite} {s.rel}) [{_owner(s)}] — caught by {peer}; truth {s.truth}"
                     f"{' (suite label)' if not s.oracle.get('imports') and not s.oracle.get('errors') else ''}; "
                     f"oracle: {describe(s)}")
    lines += ["", "## For a look: pickles the loaders read as plain data, that a peer flags and we do not", "",
              "Not misses by the truth above (no code runs), but the issue's rule may still want an error "
              "(a second PROTO, memo/DUP expansion):", ""]
    for s in samples:
        if (s.truth == "safe" and any(l.startswith("pickle:") for l in s.oracle.get("loaders", []))
                and not caught(s.verdicts.get("dh-mlmodel", ""))
                and any(caught(s.verdicts.get(n, "")) for n in PEER_NAMES)):
            peer = ", ".join(n for n in PEER_NAMES if caught(s.verdicts.get(n, "")))
            lines.append(f"- `{copy_of(s)}` ({s.suite} {s.rel}) — flagged by {peer}; oracle: {describe(s)}")
    target = notes / "peer-misses.md"
    kept = target.read_text().partition(HAND_NOTES)[2] if target.is_file() else ""
    target.write_text("\n".join(lines) + "\n" + (f"\n{HAND_NOTES}{kept}" if kept else ""))


def render(samples: list[Sample], sources: dict, versions: dict) -> str:
    lines = [table(samples), "", "Sources:"]
    for suite in SUITES:
        lines.append(f"- {suite} {versions.get(suite, '?')}: " + "; ".join(sources.get(suite, [])))
    disagree = [s for s in samples if s.label and s.truth != "unjudged" and s.label != s.truth]
    lines += ["", f"Oracle and the suite's own label disagree on {len(disagree)} sample(s) (the oracle wins):"]
    lines += [f"- `{s.suite}/{s.rel}`: label {s.label}, oracle {s.truth} ({describe(s)})" for s in disagree]
    miss = misses(samples)
    lines += ["", f"Unsafe samples a peer catches and we miss: {len(miss)}"]
    for s in miss:
        peer = ", ".join(n for n in PEER_NAMES if caught(s.verdicts.get(n, "")))
        ours = ", ".join(f"{n}: {s.verdicts.get(n)}" for n in OURS[:2])
        lines.append(f"- `{s.suite}/{s.rel}` — caught by {peer}; {ours}; oracle: {describe(s)}")
    fps = false_positives(samples)
    lines += ["", f"Our flags on samples the truth calls safe: {len(fps)}"]
    lines += [f"- `{s.suite}/{s.rel}` ({describe(s)})" for s in fps]
    only = peer_only(samples)
    undecided = [s for s in only if peer_only_reason(s) is None]
    lines += ["", f"Peer flags we do not share (the truth does not call them unsafe): {len(only)}, "
              f"{len(undecided)} without a decision"]
    for s in only:
        peer = ", ".join(n for n in PEER_NAMES if caught(s.verdicts.get(n, "")))
        why = peer_only_reason(s) or "NO DECISION YET"
        lines.append(f"- `{s.suite}/{s.rel}` (truth {s.truth}; flagged by {peer}): {why}")
    also = [s for s in samples if s.truth == "unsafe" and not any(caught(s.verdicts.get(n, "")) for n in SCANNERS)]
    lines += ["", f"Unsafe samples nobody catches: {len(also)}"]
    lines += [f"- `{s.suite}/{s.rel}` ({describe(s)})" for s in also]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
