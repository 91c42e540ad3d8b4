"""The peer scanners (picklescan, modelscan, fickling, ModelAudit) and ours, each as `fn(path) -> caught`.

Shared by bench/risk_bench.py and bench/peer_suites.py.  The peers live in a
throwaway venv (bench/requirements-risk.txt); `python bench/peers.py` run
with that venv's python reads paths on stdin and prints one JSON line per
path with every peer's verdict, so a script in the project venv can ask them.

A sample is "caught" by us when we give an error; by picklescan when it
reports a dangerous global or an infected file; by modelscan when it lists an
issue; by fickling when its severity is above LIKELY_SAFE (zip files through
`scan_zip_archive`); by ModelAudit when it has a security finding (what makes
its CLI exit 1: a WARNING or CRITICAL issue).
"""
from __future__ import annotations

import contextlib
import io
import json
import logging
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def ours(path: Path) -> bool:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from dh_mlmodel.risk import scan_file
    return any(f.severity == "error" for f in scan_file(path, path.name))


def picklescan(path: Path) -> bool:
    from picklescan.scanner import scan_file_path
    r = scan_file_path(str(path))
    return r.issues_count > 0 or r.infected_files > 0


def modelscan(path: Path) -> bool:
    from modelscan.modelscan import ModelScan
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        r = ModelScan().scan(str(path))
    return bool(r.get("issues"))


def fickling(path: Path) -> bool:
    import fickling as fk
    from fickling.analysis import Severity
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        if zipfile.is_zipfile(path):
            results = fk.scan_zip_archive(str(path), graceful=True).values()
        else:
            results = [fk.scan_file(str(path), graceful=True)]
    return any(r.severity > Severity.LIKELY_SAFE for r in results)


def modelaudit(path: Path) -> bool:
    from modelaudit.core import scan_model_directory_or_file
    from modelaudit.core_results import results_have_security_findings
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        r = scan_model_directory_or_file(str(path), timeout=60)
    return bool(results_have_security_findings(r))


PEERS = {"picklescan": picklescan, "modelscan": modelscan, "fickling": fickling, "modelaudit": modelaudit}


def guarded(fn, path: Path) -> str:
    try:
        return "caught" if fn(path) else "missed"
    except Exception as exc:  # a crash is a miss for a scanner, reported as such
        return f"crash ({type(exc).__name__})"


def versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version
    out = {}
    for name in PEERS:
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    return out


def main() -> None:
    """Peer verdicts for the paths on stdin, one JSON line each (run with the peers' venv)."""
    import warnings
    warnings.simplefilter("ignore")
    logging.disable(logging.CRITICAL)
    names = [n for n in (sys.argv[1:] or PEERS)]
    print(json.dumps({"versions": versions()}), flush=True)
    for line in sys.stdin:
        path = Path(line.rstrip("\n"))
        print(json.dumps({"path": str(path), **{n: guarded(PEERS[n], path) for n in names}}), flush=True)


if __name__ == "__main__":
    main()
