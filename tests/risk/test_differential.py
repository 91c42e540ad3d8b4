"""Differential tests: our findings against the recorder (real loaders, inert find_class; tests/risk/oracle.py).

For every generated or mutated input: each global the recorder saw a loader
import is named by one of our findings, and wherever the recorder got past a
call we report an error.  Hypothesis draws the seeds (derandomised under
the CI profile, tests/conftest.py); each example is a batch handled by one
recorder subprocess.  bench/pickle_explore.py runs the same check on
millions of inputs.
"""
from __future__ import annotations

import random
import struct

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from . import attacks, gen, oracle, samples

BATCH = 60


def _check(items) -> list[str]:
    seen = oracle.record([(loader, data) for _name, data, loader in items])
    bad = []
    for (name, data, loader), s in zip(items, seen):
        why = oracle.disagreement(s, oracle.scan_bytes_as_file(data, name))
        if why:
            bad.append(f"{name} [{loader}] {data[:120]!r}: {why} (recorder: {s})")
    return bad


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.randoms(use_true_random=False))
def test_generated_streams_agree_with_the_recorder(rnd):
    items = [gen.generate(rnd) for _ in range(BATCH)]
    assert _check(items) == []


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.randoms(use_true_random=False))
def test_mutated_attacks_agree_with_the_recorder(rnd):
    seeds = [a for a in attacks.CLASS1 + attacks.CLASS2 + attacks.CLASS3
             if a.name not in ("weights.bz2", "model.safetensors")]  # megabytes each: the explore run has them
    items = []
    for _ in range(BATCH // 2):
        a = rnd.choice(seeds)
        name, loader = a.name, oracle.loader_view(a.name, b"PK" if a.name.endswith(".pt") else b"")[0]
        data = a.build()
        if loader == "pickle":
            data = gen.mutate(rnd, data)
        items.append((name, data, loader))
    assert _check(items) == []


def test_the_recorder_sees_what_a_loader_imports_and_stops_where_it_stops():
    """The oracle itself: names, the call, and the failure at an unimportable name."""
    (a, b, c) = oracle.record([("pickle", attacks.broken() + b"."), ("python", b"\x80\x02N."),
                               ("pickle", attacks.proto_after())])
    assert a.globals == ("os.system", "not a module.nor a name") and a.called and a.error
    assert b.globals == () and not b.called and b.error is None
    assert c.called and "protocol" in c.error


def test_the_recorder_never_runs_the_payload(tmp_path):
    marker = tmp_path / "ran"
    payload = (b"cos\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."
               b"")
    evil = [("pickle", payload), ("python", payload),
            ("pickle", b"\x80\x04" + gen._u("builtins") + gen._u("exec") + b"\x93"
             + gen._u(f"open({str(marker)!r}, 'w')") + b"\x85R.")]
    seen = oracle.record(evil)
    assert all(s.called for s in seen)
    assert not marker.exists()


def test_a_batch_is_one_process():
    rnd = random.Random(1)
    items = [gen.generate(rnd) for _ in range(200)]
    assert len(oracle.record([(lo, d) for _n, d, lo in items])) == 200


# A LONG_BINPUT of a huge index: CPython's C unpickler grows its memo array to twice the index and
# zeroes it (Modules/_pickle.c _Unpickler_ResizeMemoList): 2 GB written for index 2**27, which the
# kernel's OOM killer ended the explore run's recorder for.  A 5-byte declared BINBYTES allocates too.
_MEMO_BOMB = b"\x80\x02Nr" + struct.pack("<I", 1 << 27) + b"."


def test_the_recorders_memory_limit_stops_a_memo_bomb_and_the_batch_goes_on():
    rec = oracle.Recorder(restart_every=2)
    try:
        seen = rec.record([("pickle", _MEMO_BOMB), ("pickle", b"cos\nsystem\n."), ("python", b"\x80\x02N."),
                           ("pickle", b"\x80\x02N.")])
    finally:
        rec.close()
    assert seen[0].error.startswith(oracle.LIMIT_ERRORS), seen[0]
    assert seen[1].globals == ("os.system",) and seen[2].error is None and seen[3].error is None
    assert rec.restarts == 1  # restart_every: a fresh child after two inputs


def test_a_child_killed_mid_batch_is_recorded_and_replaced():
    rec = oracle.Recorder()
    try:
        first = rec.record([("pickle", b"\x80\x02N.")])
        rec.proc.kill()  # as the kernel would
        rec.proc.wait()
        seen = rec.record([("pickle", b"cos\nsystem\n."), ("pickle", b"\x80\x02N.")])
    finally:
        rec.close()
    assert first[0].error is None
    assert seen[0].error.startswith("recorder killed") and seen[1].error is None and rec.killed == 1


def test_torch_persistent_ids_are_read_as_torch_reads_them():
    """A persistent id that is no ('storage', …) tuple fails the load, as torch's persistent_load
    asserts; it is no call of anything (the '?' calls of the first explore rerun)."""
    (seen,) = oracle.record([("torch", samples.torch_zip(b"\x80\x02Pabc\n."))])
    # torch 2's own persistent_load asserts without a message, ours (torch 1.x) says why.
    assert seen.calls == () and (seen.error or "").startswith("AssertionError")
