"""The `corpus` fixture: the third-party model corpus, each case fetched on first use and cached.

Import it into a test module (`from corpus_fixture import corpus`); tests/
is on sys.path because it has no __init__.py.  The cache lives outside the
checkout ($DH_MLMODEL_CORPUS or ~/.cache/dh-mlmodel/corpus), so reruns are
free.  `corpus / CASE` fetches that one case: when its registry cannot be
reached only the tests that use that case stop, with a skip naming the case
and the reason, which is a failure under CI=true and in tools/check
(tests/conftest.py; DH_MLMODEL_ALLOW_SKIP=1 is the opt-out for working offline).
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from dh_mlmodel.corpus import CASES, CorpusUnavailable, default_dest, ensure_cases


class Corpus:
    """The corpus root.  `/ CASE` is that case's directory, fetched first; `rglob` walks every case."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._unavailable: dict[str, str] = {}  # case -> reason, so a dead registry is asked once per run

    def case(self, name: str) -> Path:
        if name not in self._unavailable:
            try:
                ensure_cases([name], self.root)
            except CorpusUnavailable as exc:
                self._unavailable[name] = exc.one_line()
        if name in self._unavailable:
            pytest.skip(f"corpus case {name} is not available: {self._unavailable[name]}")
        return self.root / name

    def __truediv__(self, name: str) -> Path:
        return self.case(name) if name in CASES else self.root / name

    def rglob(self, pattern: str):
        """The files of every case (not of other things kept in the cache directory, such as peer tools' data)."""
        for name in CASES:
            yield from self.case(name).rglob(pattern)

    def __fspath__(self) -> str:
        return os.fspath(self.root)


@pytest.fixture(scope="session")
def corpus() -> Corpus:
    return Corpus(default_dest())
