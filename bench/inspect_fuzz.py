#!/usr/bin/env python3
"""The long fuzz run of the inspection parsers (the test suite runs a short one).

  python3 bench/inspect_fuzz.py [--examples 20000]

Runs the properties of tests/formats/test_fuzz.py (every describer, and
detect+describe on any bytes under model-like names) and the differential
safetensors/GGUF properties of tests/formats/test_safetensors.py and
test_gguf.py with many more examples; prints the count per property and
fails on the first uncaught exception or disagreement.
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO), str(REPO / "tests" / "formats")]

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=20000)
    args = parser.parse_args()
    import test_fuzz
    from dh_mlmodel.describe import DESCRIBERS, describe
    from dh_mlmodel.detect import detect
    from dh_mlmodel.formats.binio import FormatError

    work = Path(tempfile.mkdtemp(prefix="dh-mlmodel-fuzz-"))
    opts = dict(max_examples=args.examples, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    total = time.perf_counter()
    for fmt, (name, seed) in sorted(test_fuzz.SEEDS.items()):
        path = work / name
        started = time.perf_counter()

        @settings(**opts)
        @given(st.one_of(test_fuzz.mutated(seed), st.binary(max_size=512)))
        def one(data: bytes) -> None:
            path.write_bytes(data)
            try:
                DESCRIBERS[fmt](path, name)
            except FormatError:
                pass

        one()
        print(f"{fmt:<20} {args.examples} examples, no uncaught exception ({time.perf_counter() - started:.1f}s)", flush=True)

    @settings(**opts)
    @given(st.sampled_from(test_fuzz.NAMES),
           st.one_of(st.binary(max_size=1024), st.sampled_from([s for _, s in test_fuzz.SEEDS.values()]).flatmap(test_fuzz.mutated)))
    def pipeline(name: str, data: bytes) -> None:
        path = work / name
        path.write_bytes(data)
        facts = describe(detect(path, name), hash=False)
        assert not any("unreadable (" in f.message for f in facts.findings), facts.findings

    started = time.perf_counter()
    pipeline()
    print(f"{'detect+describe':<20} {args.examples} examples, no internal error ({time.perf_counter() - started:.1f}s)")

    try:
        import test_gguf
        import test_safetensors
    except Exception as exc:  # noqa: BLE001 - the reference libraries are optional here
        print(f"differential runs skipped: {exc}")
        return 0
    diff_opts = dict(opts, max_examples=max(args.examples // 4, 100))
    for label, test in (("safetensors bytes", test_safetensors.test_byte_mutations_agree),
                        ("safetensors header", test_safetensors.test_header_mutations_agree),
                        ("gguf mutations", test_gguf.test_mutations_agree)):
        started = time.perf_counter()
        inner = test.hypothesis.inner_test
        if label.startswith("gguf"):
            base = work / "base.gguf"
            test_gguf.write_gguf(base)
            seed_bytes = base.read_bytes()
            run = settings(**diff_opts)(given(st.data())(lambda data: inner(work, seed_bytes, data)))
        elif label.endswith("bytes"):
            run = settings(**diff_opts)(given(st.data())(lambda data: inner(work, data)))
        else:
            run = settings(**diff_opts)(given(test_safetensors.header_mutations())(lambda raw: inner(work, raw)))
        run()
        print(f"{label:<20} {diff_opts['max_examples']} examples agree with the reference ({time.perf_counter() - started:.1f}s)")
    print(f"total {time.perf_counter() - total:.0f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
