"""`eval "$(mlmodel hub-env)"`: point the Hub libraries and llama.cpp at the system Hub views, offline.

huggingface_hub (and so transformers, sentence-transformers) reads HF_HUB_CACHE; llama.cpp's -hf reads
LLAMA_CACHE first, then HF_HUB_CACHE.  With HF_HUB_OFFLINE=1 huggingface_hub resolves refs/main and the
snapshot link and writes nothing, so a cache the user cannot write serves (no lock, no .no_exist marker,
no refs update: tests/test_hub_load.py runs it).  Variables that would take precedence over HF_HUB_CACHE
(the deprecated TRANSFORMERS_CACHE, HUGGINGFACE_HUB_CACHE, SENTENCE_TRANSFORMERS_HOME) are unset.
"""
from __future__ import annotations

import argparse
import shlex

from ..installed import hub_cache
from ._installed import add_root, root_of

HELP = "print shell commands that load installed models by Hub id, offline, from the system Hub views"
UNSET = ("TRANSFORMERS_CACHE", "HUGGINGFACE_HUB_CACHE", "SENTENCE_TRANSFORMERS_HOME")


def add_arguments(p: argparse.ArgumentParser) -> None:
    add_root(p)


def environment(cache: str) -> dict[str, str]:
    return {"HF_HUB_CACHE": cache, "HF_HUB_OFFLINE": "1", "LLAMA_CACHE": cache, "LLAMA_ARG_OFFLINE": "1"}


def run(args: argparse.Namespace) -> int:
    # absolute: a relative cache would be looked up in whatever directory each later program runs in
    for var, value in environment(str(hub_cache(root_of(args)).absolute())).items():
        print(f"export {var}={shlex.quote(value)}")
    print("unset " + " ".join(UNSET))
    return 0
