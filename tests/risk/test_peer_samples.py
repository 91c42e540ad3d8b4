"""The peer scanners' own test samples: every one the loaders say runs code, we flag.

The samples are ModelAudit's test assets (its sdist, pinned in
dh_mlmodel/corpus.py PEER_CASES and fetched with `pip download` into the
corpus cache), since they are the peers' only samples an sdist carries;
picklescan's, fickling's and modelscan's live in their git repositories and
are measured by bench/peer_suites.py.  The truth is not the sample's name:
bench/pickle_oracle.py hands every sample to the real loaders (pickle,
numpy.load, joblib.load, torch.load) with a find_class that records and
returns inert stubs, and a sample is unsafe when they import a global outside
its short INERT list, or break after importing or calling one.  Our flags on
samples it calls safe must be the ones docs/security.md lists and explains.

A sample that cannot be fetched fails the test with the reason (never a skip).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dh_mlmodel.corpus import PEER_CASES, CorpusError, fetch_case, default_dest
from dh_mlmodel.risk import scan_file

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
from pickle_oracle import truth_of  # noqa: E402

pytestmark = pytest.mark.corpus
CASE = PEER_CASES["peer-modelaudit"]
_NOT_SAMPLES = {".py", ".md", ".txt", ".csv"}


@pytest.fixture(scope="module")
def judged() -> list[tuple[str, Path, dict]]:
    """(name, path, oracle record) for every ModelAudit test asset."""
    try:
        fetch_case(CASE, default_dest())
    except CorpusError as exc:
        pytest.fail(f"the peer samples cannot be fetched: {exc.one_line()}")
    base = default_dest() / CASE.name
    paths = sorted(p for p in base.rglob("*") if p.is_file() and "/tests/assets/" in p.as_posix()
                   and p.suffix not in _NOT_SAMPLES)
    assert len(paths) > 50, f"only {len(paths)} samples under {base}"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "pickle_oracle.py")],
                          input="".join(f"{p}\n" for p in paths), stdout=subprocess.PIPE, text=True, timeout=900)
    records = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [r["path"] for r in records] == [str(p) for p in paths], proc.returncode
    return [(p.relative_to(base).as_posix().split("/", 1)[1], p, r) for p, r in zip(paths, records)]


def _flagged(path: Path) -> list[str]:
    return [f"{f.tag}: {f.message}" for f in scan_file(path, path.name) if f.severity == "error"]


def test_the_oracle_sees_the_payloads(judged):
    unsafe = {name for name, _, r in judged if truth_of(r) == "unsafe"}
    # ModelAudit's own os.system and eval samples: if the oracle misses these, it is broken, not the samples
    assert {"tests/assets/samples/pickles/malicious_system_call.pkl",
            "tests/assets/samples/pytorch/malicious_eval.pt"} <= unsafe


def test_we_flag_every_sample_the_loaders_would_run(judged):
    missed = [f"{name}: loaders import {', '.join(r['imports'][:4])}" for name, path, r in judged
              if truth_of(r) == "unsafe" and not _flagged(path)]
    assert not missed, "\n".join(missed)


def test_our_flags_on_safe_samples_are_the_documented_ones(judged):
    section = (ROOT / "docs" / "security.md").read_text().partition("## Peer suites")[2]
    undocumented = [f"{name}: {_flagged(path)[0]}" for name, path, r in judged
                    if truth_of(r) == "safe" and _flagged(path) and f"`{name}`" not in section]
    assert not undocumented, "flags on samples the loaders read as plain data, not in docs/security.md:\n" + \
        "\n".join(undocumented)
