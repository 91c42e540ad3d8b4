"""Acceptance (a): every crafted malicious sample is an error naming the callable and the member."""
from __future__ import annotations

import pytest

from dh_mlmodel.risk import scan_file

from .samples import SAMPLES


@pytest.mark.parametrize("sample", SAMPLES, ids=[s.name for s in SAMPLES])
def test_sample_is_flagged_error_naming_callable_and_member(tmp_path, sample):
    path = tmp_path / sample.name
    path.write_bytes(sample.build())
    findings = scan_file(path, sample.name)
    errors = [f for f in findings if f.severity == "error"]
    assert errors, f"{sample.klass}: no error in {findings}"
    naming = [f for f in errors if sample.needle in f.message]
    assert naming, f"{sample.klass}: no error names {sample.needle}: {[f.message for f in errors]}"
    if sample.member:
        assert any(sample.member in f.message and sample.member in f.member for f in naming), \
            [(f.member, f.message) for f in naming]
    assert all(f.path == sample.name for f in findings)
    assert any(f.tag == "pickle-format-used" and f.severity == "info" for f in findings)
