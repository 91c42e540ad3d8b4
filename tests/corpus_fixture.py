"""The `corpus` fixture: the third-party model corpus, fetched on demand and cached.

Import it into a test module (`from corpus_fixture import corpus`); tests/
is on sys.path because it has no __init__.py.  The cache lives outside the
checkout ($DH_MLMODEL_CORPUS or ~/.cache/dh-mlmodel/corpus), so reruns are
free.  When a registry cannot be reached the tests skip and say why.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from dh_mlmodel.corpus import CASES, CorpusUnavailable, ensure_cases


@pytest.fixture(scope="session")
def corpus() -> Path:
    try:
        return ensure_cases(list(CASES))
    except CorpusUnavailable as exc:
        pytest.skip(f"corpus not available: {exc.one_line()}")
