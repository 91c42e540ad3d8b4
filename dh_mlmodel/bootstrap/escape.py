"""The escaping filters: the only way a value reaches a file `mlmodel init` renders.

The templates run with autoescape off (none of our outputs is HTML), so each
value passes through the filter for the place it lands in:

- `deb822`: one line of a debian/control field.  Control characters, line and
  paragraph separators and bidi controls become visible escapes
  (declaration.safe_field_value), so no value can start a field or a
  continuation line; `$` becomes `${}` because dpkg-gencontrol and
  dpkg-source substitute `${name}` in control fields (deb-substvars(5):
  `${}` is a literal `$`).
- `deb822_body`: paragraphs of an extended Description, wrapped, each line
  indented, blank lines as ` .` (Policy 5.6.13).
- `yaml`: a double-quoted YAML scalar in printable ASCII (YAML 1.1 §5.7 escapes).
- `comment`: the rest of a `#` comment line (one line, nothing else matters).
- `shell` / `make_shell`: a single shell word, and one inside a make recipe
  (`$` doubled, since make expands it before the shell sees it).  A control
  character is refused: make ends a recipe line at a newline, whatever the
  shell quoting says.
"""
from __future__ import annotations

import shlex
import textwrap

from ..declaration import safe_field_value, unsafe_char
from . import InitError

DESCRIPTION_WIDTH = 72


class EscapeError(InitError):
    """A value cannot be written safely where a template puts it."""


def deb822(value: object) -> str:
    return safe_field_value(str(value)).replace("$", "${}")


def deb822_body(paragraphs: object) -> str:
    """The lines of an extended description after the synopsis, from a list of paragraphs."""
    items = [paragraphs] if isinstance(paragraphs, str) else list(paragraphs)
    blocks = []
    for para in items:
        text = deb822(para)
        if not text:
            continue
        blocks.append("\n".join(" " + line for line in textwrap.wrap(text, DESCRIPTION_WIDTH,
                                                                      break_long_words=False,
                                                                      break_on_hyphens=False)))
    return "\n .\n".join(blocks)


def yaml_scalar(value: object) -> str:
    """A YAML double-quoted scalar in printable ASCII (\\x, \\u and \\U escapes for the rest)."""
    out = ['"']
    for ch in str(value):
        code = ord(ch)
        if ch in ('"', "\\"):
            out.append("\\" + ch)
        elif 0x20 <= code < 0x7F:
            out.append(ch)
        elif code < 0x100:
            out.append(f"\\x{code:02x}")
        elif code < 0x10000:
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    out.append('"')
    return "".join(out)


def comment(value: object) -> str:
    return safe_field_value(str(value))


def shell(value: object) -> str:
    text = str(value)
    bad = unsafe_char(text)
    if bad is not None:
        raise EscapeError(None, f"refusing {text!r} in a shell command: control character {bad!r}")
    return shlex.quote(text)


def make_shell(value: object) -> str:
    return shell(value).replace("$", "$$")


FILTERS = {"deb822": deb822, "deb822_body": deb822_body, "yaml": yaml_scalar, "comment": comment,
           "shell": shell, "make_shell": make_shell}
