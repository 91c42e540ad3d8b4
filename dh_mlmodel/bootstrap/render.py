"""Render templates/debian/**/*.j2 into a debian/ directory.

jinja2 runs in a SandboxedEnvironment (a template cannot reach Python
internals) with autoescape off and StrictUndefined.  Every `{{ … }}` must
end in one of our escaping filters (escape.FILTERS): the filters return
`Escaped` strings and `finalize` refuses anything else, so a template that
prints a raw value fails to render instead of writing it.

`templates/debian/<path>.j2` becomes `debian/<path>`; a template that
renders to nothing but white space writes no file.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any, Callable

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from . import InitError, escape

EXECUTABLE = frozenset({"rules"})


class RenderError(InitError):
    """A template is missing, broken, or prints a value without escaping it."""


class Escaped(str):
    """Text that went through one of the escaping filters."""


def _escaping(fn: Callable[[Any], str]) -> Callable[[Any], Escaped]:
    def filt(value: Any) -> Escaped:
        return Escaped(fn(value))
    filt.__name__ = fn.__name__
    return filt


def _require_escaped(value: Any) -> Any:
    if isinstance(value, Escaped):
        return value
    raise RenderError(None, f"template prints {str(value)[:60]!r} without an escaping filter "
                            f"({', '.join(sorted(escape.FILTERS))})")


def templates_dir() -> Path:
    """$DH_MLMODEL_TEMPLATES, the checkout's templates/, or the installed copy."""
    here = Path(__file__).resolve().parent.parent.parent
    candidates = [os.environ.get("DH_MLMODEL_TEMPLATES"), here / "templates",
                  Path(sys.prefix) / "share/dh-mlmodel/templates", Path("/usr/share/dh-mlmodel/templates")]
    for c in candidates:
        if c and (Path(c) / "debian").is_dir():
            return Path(c)
    raise RenderError(None, "templates/debian not found (set DH_MLMODEL_TEMPLATES)")


def environment(root: Path) -> SandboxedEnvironment:
    env = SandboxedEnvironment(loader=jinja2.FileSystemLoader(str(root)), autoescape=False,
                               undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
                               trim_blocks=True, lstrip_blocks=True, finalize=_require_escaped)
    env.filters.update({name: _escaping(fn) for name, fn in escape.FILTERS.items()})
    return env


def template_names(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in (root / "debian").rglob("*.j2"))


def render_all(context: dict[str, Any], root: Path | None = None,
               only: Callable[[str], bool] | None = None) -> dict[str, str]:
    """debian relpath -> text for every template (or those `only` accepts); empty renders left out."""
    root = root or templates_dir()
    env = environment(root)
    out = {}
    for name in template_names(root):
        rel = name.removeprefix("debian/").removesuffix(".j2")
        if only is not None and not only(rel):
            continue
        try:
            text = env.get_template(name).render(**context)
        except jinja2.TemplateError as exc:
            raise RenderError(root / name, f"template error: {exc}") from None
        if text.strip():
            out[rel] = text
    return out


def write(debian: Path, files: dict[str, str]) -> list[Path]:
    written = []
    for rel, text in sorted(files.items()):
        path = debian / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_symlink():
            path.unlink()
        path.write_text(text, encoding="utf-8")
        os.chmod(path, 0o755 if rel in EXECUTABLE else 0o644)
        written.append(path)
    return written
