"""Shared by `mlmodel list`, `show`, `path`, `hub-env` and `hub-link`: the --root option and model lookup."""
from __future__ import annotations

import argparse
from pathlib import Path

from ..declaration import safe_field_value
from ..installed import ROOT_ENV, InstalledModel, default_root, installed_models
from ..model import MLModelError


class NotInstalled(MLModelError):
    """No package installed the model asked for."""


def add_root(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", type=Path, default=None,
                   help=f"read the installed tree under DIR instead of / (default: ${ROOT_ENV}, else /)")


def root_of(args: argparse.Namespace) -> Path:
    return args.root if args.root is not None else default_root()


def find_model(root: Path, name: str) -> InstalledModel:
    models = installed_models(root)
    if name in models:
        return models[name]
    by_hub = [m for m in models.values() if (m.hub or {}).get("id") == name]
    if by_hub:
        return by_hub[0]
    known = ", ".join(sorted(models)) or "none"
    raise NotInstalled(name, f"no installed package has this model (installed: {known})")


def shown(line: str) -> str:
    """A line of `list`/`show` output as one visible line: record values (licence, category, …) are read back
    from a package, so a newline could forge another model's line and a terminal escape would reach the tty."""
    body = line.lstrip(" ")
    return line[:len(line) - len(body)] + safe_field_value(body)  # our own indentation kept
