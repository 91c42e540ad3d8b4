"""The differential oracle: what the real loaders import and call on given bytes, from a recorder.

`record([(loader, bytes), …])` runs tests/risk/oracle_child.py once for the
whole batch (one subprocess, started once: speed) and returns a `Seen` per
input.  `disagreements(...)` compares a batch with our scanner's findings:
every global the recorder saw must be named by a finding, and wherever the
recorder got past a call we must report an error.
"""
from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

CHILD = Path(__file__).with_name("oracle_child.py")


@dataclass(frozen=True)
class Seen:
    globals: tuple[str, ...]  # every name find_class was asked for, in order
    calls: tuple[str, ...]  # the global behind each call that got through
    error: str | None  # how the load ended (None: it reached STOP)

    @property
    def called(self) -> bool:
        return bool(self.calls)

    @property
    def unsafe_calls(self) -> tuple[str, ...]:
        """Calls of something the allowlist does not admit (OrderedDict() is what a checkpoint does)."""
        return tuple(c for c in self.calls if not _allowed(c))


def loader_view(name: str, data: bytes) -> tuple[str, bytes]:
    """The loader an attacker's file name points at."""
    if name.endswith((".pt", ".pth", ".bin", ".ckpt")) and data[:2] in (b"PK", b"\x80\x02"):
        return "torch", data
    if name.endswith(".joblib"):
        return "joblib", data
    if name.endswith((".npy", ".npz")):
        return "numpy", data
    return "pickle", data


def record(items, *, timeout: float = 600) -> list[Seen]:
    items = [(x if isinstance(x, tuple) else ("pickle", x)) for x in items]
    payload = b"".join(struct.pack("<I", len(lo)) + lo.encode() + struct.pack("<Q", len(d)) + d for lo, d in items)
    with tempfile.TemporaryDirectory() as cwd:  # the child writes nothing; if it did, it would be here
        r = subprocess.run([sys.executable, str(CHILD)], input=payload, capture_output=True, timeout=timeout,
                           cwd=cwd, env=dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1"))
    lines = r.stdout.decode().splitlines()
    if r.returncode != 0 or len(lines) != len(items):
        raise RuntimeError(f"recorder failed (rc {r.returncode}): {r.stderr.decode()[-2000:]}")
    return [Seen(tuple(j["globals"]), tuple(j["calls"]), j["error"]) for j in map(json.loads, lines)]


LIMIT_AS = 1536 << 20  # the child's address space: torch, numpy and joblib take about 650 MB of it
LIMIT_ERRORS = ("MemoryError", "recorder killed")


def _limit_child() -> None:
    """Runs in the recorder child before exec: a generated memo/DUP bomb gets MemoryError, not the OOM killer."""
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))
    os.nice(5)


class Recorder:
    """One long-lived recorder child for many batches (the explore run): torch is imported once.

    The child runs under RLIMIT_AS and is replaced every `restart_every` inputs (memory it kept
    does not pile up over a million loads).  An input that kills it (a limit, a crash) is recorded as
    `recorder killed`, and the rest of the batch goes to a fresh child."""

    def __init__(self, restart_every: int = 20_000):
        self.cwd = tempfile.TemporaryDirectory(prefix="recorder-")
        self.restart_every = restart_every
        self.restarts = self.killed = 0
        self._start()

    def _start(self) -> None:
        self.proc = subprocess.Popen([sys.executable, str(CHILD)], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     cwd=self.cwd.name, preexec_fn=_limit_child,
                                     env=dict(os.environ, PYTHONHASHSEED="0", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1"))
        self.served = 0

    def _stop(self) -> None:
        try:
            self.proc.stdin.close()
        except OSError:
            pass
        self.proc.kill()
        self.proc.wait()

    def record(self, items) -> list[Seen]:
        items = list(items)
        out: list[Seen] = []
        while len(out) < len(items):
            if self.served >= self.restart_every:
                self._stop()
                self._start()
                self.restarts += 1
            rest = items[len(out):len(out) + self.restart_every - self.served]
            got = self._record(rest)
            out.extend(got)
            self.served += len(got)
            if len(got) < len(rest):  # the child died on rest[len(got)]
                rc = self.proc.wait()
                out.append(Seen((), (), f"recorder killed (rc {rc})"))
                self.killed += 1
                self._stop()
                self._start()
        return out

    def _record(self, items) -> list[Seen]:
        import threading
        proc = self.proc

        def feed():  # a thread writes the batch while we read: no round trip per input, no full pipe
            try:
                for loader, data in items:
                    proc.stdin.write(struct.pack("<I", len(loader)) + loader.encode()
                                     + struct.pack("<Q", len(data)) + data)
                proc.stdin.flush()
            except (BrokenPipeError, ValueError, OSError):
                pass  # the child died; record() notices

        writer = threading.Thread(target=feed, daemon=True)
        writer.start()
        out = []
        for _ in items:
            line = proc.stdout.readline()
            if not line:
                break
            j = json.loads(line)
            out.append(Seen(tuple(j["globals"]), tuple(j["calls"]), j["error"]))
        if len(out) == len(items):
            writer.join()
        return out

    def close(self) -> None:
        self._stop()
        self.cwd.cleanup()


def disagreement(seen: Seen, findings) -> str | None:
    """Why our findings miss what the recorder saw, or None."""
    text = "\n".join(f.message for f in findings)
    # A name no import resolves imports nothing: the real loader fails there (oracle_child.find_class).
    # An allowlisted name is not reported by design (it is what a checkpoint imports).
    missed = [g for g in seen.globals if f"`{g}`" not in text and _importable(g) and not _allowed(g)]
    if missed:
        return f"recorder imported {missed}, we did not name them"
    if seen.unsafe_calls and not any(f.severity == "error" for f in findings):
        return f"recorder got past calls of {list(seen.unsafe_calls)}, we report no error"
    # A load that hit the recorder's memory limit (LIMIT_ERRORS) was watched up to that point only:
    # the checks above cover that prefix, and the explore run counts such inputs.
    return None


def _allowed(dotted: str) -> bool:
    from dh_mlmodel.risk.allowlist import classify
    module, _, name = dotted.rpartition(".")
    return classify(module, name)[0] == "allowed"


def _importable(dotted: str) -> bool:
    from dh_mlmodel.risk.pickle_scan import IDENT
    return bool(IDENT.match(dotted))


_SCRATCH: list = []


def scan_bytes_as_file(data: bytes, name: str = "input.bin"):
    """scan_file on `data` saved as `name` (one scratch directory per process, reused)."""
    from dh_mlmodel.risk import scan_file
    if not _SCRATCH:
        _SCRATCH.append(tempfile.TemporaryDirectory(prefix="oracle-"))
    p = Path(_SCRATCH[0].name) / name
    p.write_bytes(data)
    try:
        return scan_file(p, name)
    finally:
        p.unlink()
