"""Issue 13, classes 1, 2, 3, 5, 6: what a loader runs decides, not what the file looks like.

Each attack of tests/risk/attacks.py goes through detect, describe and
assess (the real pipeline) under the name an attacker would give it, and
must come out as an error that names what triggered it.  The loaders'
own behaviour on the same bytes is checked where it is the point (FRAME:
pickle.loads and pickle._loads really disagree; PROTO after the payload:
the recorder gets past the call before the load fails).
"""
from __future__ import annotations

import io
import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from dh_mlmodel import inspect
from dh_mlmodel.risk import scan_file
from dh_mlmodel.risk.allowlist import classify

from . import attacks, oracle

ROOT = Path(__file__).resolve().parents[2]


def _findings(tmp_path: Path, attack: attacks.Attack):
    d = tmp_path / "model"
    d.mkdir()
    (d / attack.name).write_bytes(attack.build())
    report = inspect.inspect_model_dir(d, hash=False)
    (facts,) = report.files
    return facts


@pytest.mark.parametrize("attack", attacks.ALL, ids=lambda a: a.name)
def test_each_attack_is_an_error_through_the_pipeline(tmp_path, attack):
    facts = _findings(tmp_path, attack)
    errors = [f for f in facts.findings if f.severity == "error" and attack.needle in f.message]
    assert errors, (attack.name, facts.artifact.format, facts.findings)


@pytest.mark.parametrize("attack", attacks.CLASS1 + attacks.CLASS2, ids=lambda a: a.name)
def test_the_recorder_confirms_a_loader_runs_the_call(attack):
    """Truth we did not write: CPython's unpickler (recording find_class) gets to os.system and calls it."""
    data = attack.build()
    stream = oracle.loader_view(attack.name, data)
    (seen,) = oracle.record([stream])
    assert "os.system" in seen.globals and seen.called, (attack.name, seen)


def test_sniffed_formats_no_longer_hide_the_polyglots():
    """detect names these formats by their signatures; the scan runs anyway (class 2)."""
    from dh_mlmodel.detect import sniff_format
    import tempfile
    want = {"userblock512.h5": "hdf5", "userblock1024.h5": "hdf5", "model.tflite": "tflite",
            "model.safetensors": "safetensors"}
    for attack in attacks.CLASS2:
        if attack.name not in want:
            continue
        with tempfile.NamedTemporaryFile() as f:
            data = attack.build()
            f.write(data)
            f.flush()
            assert sniff_format(Path(f.name), attack.name, len(data), data[:4096]) == want[attack.name]
            assert any(x.severity == "error" and "os.system" in x.message for x in scan_file(Path(f.name)))


@pytest.mark.parametrize("attack", attacks.CLASS3, ids=lambda a: a.name)
def test_frame_disagreements_are_real_and_reported(tmp_path, attack):
    data = attack.build()
    outcomes = set()
    for load in (pickle.loads, pickle._loads, lambda d: pickle.load(io.BytesIO(d)),
                 lambda d: pickle._Unpickler(io.BytesIO(d)).load()):
        try:
            load(data)
            outcomes.add("ok")
        except Exception as exc:  # noqa: BLE001 - which loader fails is the observation
            outcomes.add(type(exc).__name__)
    path = tmp_path / attack.name
    path.write_bytes(data)
    found = [f for f in scan_file(path) if f.severity == "error" and "FRAME" in f.message]
    assert found, outcomes
    if attack.name != "frame-past-stop.pkl":  # that one both read; the file position after it differs
        assert len(outcomes) > 1 or "ok" not in outcomes, outcomes


def test_frame_past_stop_moves_the_file_position_of_the_next_load():
    data = attacks.frame(attacks.BENIGN_P4 + b"N" * 8, +8) + pickle.dumps(1, protocol=2)
    c, py = io.BytesIO(data), io.BytesIO(data)
    pickle.load(c)
    pickle._Unpickler(py).load()
    assert c.tell() != py.tell() or c.tell() != len(attacks.BENIGN_P4)


def test_allowlist_entries_are_exact_names():
    assert classify("omegaconf.dictconfig", "DictConfig")[0] == "benign"
    assert classify("omegaconf._utils", "io")[0] == "unlisted"
    assert classify("omegaconf", "_utils.subprocess")[0] != "benign"
    assert classify("numpy.dtypes", "Float32DType")[0] == "benign"
    assert classify("numpy.dtypes", "os")[0] == "unlisted"


def test_future_is_not_called_a_dunder_escape():
    verdict, why = classify("__future__", "annotations")
    assert "dunder" not in why
    verdict, why = classify("builtins", "object.__subclasses__")
    assert verdict == "dangerous" and "__subclasses__" in why


def test_a_dag_of_shared_tuples_is_reported_without_expanding_it(tmp_path):
    from conftest import Cost
    data = b"\x80\x02N" + b"2\x86" * 24 + b"NR."  # 2^24 leaves if repr followed every reference
    path = tmp_path / "dag.pkl"
    path.write_bytes(data)
    with Cost() as cost:
        found = scan_file(path)
    assert cost.peak < 4 << 20, cost.peak
    assert any(f.tag == "pickle-calls-computed-callable" for f in found)


def test_mlmodel_inspect_exits_nonzero_on_each_class(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    picks = {a.klass: a for a in reversed(attacks.ALL) if a.name != "memoize-flood.pkl"}
    for klass, attack in sorted(picks.items()):
        d = tmp_path / f"c{klass}"
        d.mkdir()
        (d / attack.name).write_bytes(attack.build())
        r = subprocess.run([sys.executable, str(ROOT / "bin" / "mlmodel"), "inspect", str(d)],
                           capture_output=True, text=True, env=env, timeout=600)
        assert r.returncode != 0, (attack.name, r.stdout[-2000:], r.stderr[-2000:])
        assert "Traceback" not in r.stderr



# ---- FRAME cuts (issue 13, explore run): what pickle.load on a BytesIO reads against pickle.loads.
# The truth is the real unpickler on harmless names: a cut name fails to import, naming itself.

def _frame(body: bytes, n: int) -> bytes:
    return b"\x80\x04\x95" + struct.pack("<Q", n) + body


_ORDERED = b"ccollections\nOrderedDict\n)R."
# (stream, the name pickle.load(io.BytesIO) imports): a frame that ends inside the module line,
# inside the name line, and a FRAME inside the frame that asks for more than is buffered, so the
# C loader reads the next frame from the outer frame's end (module whole, name cut by the new end).
_INNER = b"\x95" + struct.pack("<Q", 18) + b"N."
_CUTS = [
    (_frame(_ORDERED, 2), "ollections.OrderedDict"),
    (_frame(_ORDERED, 20), "collections.Dict"),
    (b"\x80\x04\x95" + struct.pack("<Q", len(_INNER)) + _INNER + b"ccollections\nOrde" + b"redDict\n)R.",
     "collections.edDict"),
]


def _file_loader_import(data: bytes) -> str | None:
    try:
        pickle.load(io.BytesIO(data))
    except (ImportError, AttributeError) as exc:
        return str(exc)
    return None


@pytest.mark.parametrize("data,name", _CUTS, ids=["module-cut", "name-cut", "frame-in-frame"])
def test_a_frame_cut_name_is_the_name_the_file_loader_imports(tmp_path, data, name):
    module, _, attr = name.rpartition(".")
    failed = _file_loader_import(data)
    assert failed is not None and (f"'{module}'" in failed or f"'{attr}'" in failed), failed
    loads = pickle.loads(data)  # from memory the same bytes are a harmless OrderedDict (or None)
    assert loads is None or type(loads).__name__ == "OrderedDict"
    path = tmp_path / "m.pkl"
    path.write_bytes(data)
    with open(path, "rb") as f:  # a BufferedReader has peek: it prefetches past the frame, like loads
        assert type(pickle.load(f)) is type(loads)
    found = scan_file(path)
    assert any(f.severity == "error" and f"`{name}`" in f.message and "read by a file loader" in f.message
               for f in found), [f.message for f in found]
    assert any(f.severity == "error" and "FRAME" in f.message for f in found)


def test_a_payload_only_the_file_loader_reads_is_named(tmp_path):
    """pickle.loads stops at the inner STOP; pickle.load(BytesIO) reads the next frame from the
    outer frame's end, where a GLOBAL waits (the recorder, not a real import, tells what it gets)."""
    evil = b"cposix\nsystem\n(S'true'\ntR."
    inner = b"\x95" + struct.pack("<Q", len(evil)) + b"N."
    data = b"\x80\x04\x95" + struct.pack("<Q", len(inner)) + inner + evil
    assert pickle.loads(data) is None
    (seen,) = oracle.record([("pickle", data)])
    assert seen.globals == ("posix.system",) and seen.called
    path = tmp_path / "m.pkl"
    path.write_bytes(data)
    found = scan_file(path)
    assert any(f.severity == "error" and "`posix.system`" in f.message and "read by a file loader" in f.message
               for f in found), [f.message for f in found]


def test_a_line_the_file_loader_reads_afresh_after_a_failing_frame_cut_is_named(tmp_path):
    """From the explore run: pickle.loads reads the module line `Q\\xac_utils` (not UTF-8: it fails);
    pickle.load on a BytesIO drops the frame's rest at its end and reads `_utils` / `io` afresh."""
    body = b"(cQ\xac"
    data = b"\x95" + struct.pack("<Q", len(body)) + body + b"_utils\nio\n\x88."
    with pytest.raises(UnicodeDecodeError):
        pickle.loads(data)
    assert "'_utils'" in (_file_loader_import(data) or "")
    path = tmp_path / "m.h5"  # any name: the scan does not care
    path.write_bytes(data)
    found = scan_file(path)
    assert any(f.severity == "error" and "`_utils.io`" in f.message for f in found), [f.message for f in found]


def test_a_memo_miss_is_an_error_and_the_tag_explanation_says_so(tmp_path):
    from dh_mlmodel.lint import tagdata
    path = tmp_path / "m.pkl"
    path.write_bytes(b"\x80\x02h\x05.")
    found = [f for f in scan_file(path) if f.tag == "pickle-parse-error"]
    assert found and all(f.severity == "error" for f in found)
    text = (ROOT / "dh_mlmodel" / "lint" / "tags" / "pickle-parse-error.tag").read_text()
    assert "memo" in text and "is a warning" not in text
    assert tagdata.tag_info("pickle-parse-error").severity == "error"
