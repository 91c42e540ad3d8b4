"""The risk findings reach `inspect_model_dir` through detect and describe (the real stages)."""
from __future__ import annotations

import pytest

from .samples import SAMPLES

inspect = pytest.importorskip("dh_mlmodel.inspect")


def test_every_malicious_sample_is_an_error_after_detect_and_describe(tmp_path):
    for s in SAMPLES:
        (tmp_path / s.name).write_bytes(s.build())
    report = inspect.inspect_model_dir(tmp_path, hash=False)
    by_file = {f.artifact.relpath: f for f in report.files}
    for s in SAMPLES:
        facts = by_file[s.name]
        errors = [f for f in facts.findings if f.severity == "error" and s.needle in f.message]
        assert errors, (s.name, facts.artifact.format, facts.findings)
        # each finding is reported once, even when describe said something too
        keys = [(f.tag, f.member, f.message) for f in facts.findings]
        assert len(keys) == len(set(keys))


def test_benign_torch_checkpoint_through_the_pipeline(tmp_path):
    torch = pytest.importorskip("torch")
    torch.save({"w": torch.ones(3)}, tmp_path / "pytorch_model.bin")
    report = inspect.inspect_model_dir(tmp_path, hash=False)
    (facts,) = report.files
    assert facts.artifact.format == "pytorch-zip"
    assert [f.tag for f in facts.findings if f.severity == "error"] == []
    assert any(f.tag == "pickle-format-used" for f in facts.findings)
