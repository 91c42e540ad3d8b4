"""Any string as one visible line that every output of the review can carry.

On top of declaration.safe_field_value (control characters, line and paragraph separators and
bidi controls become \\n, \\x1b, \\u202e), two kinds of code point become visible escapes too:
surrogates (a file name that is not UTF-8, decoded with surrogateescape, cannot be written as
UTF-8 at all) and Unicode noncharacters (U+FDD0..U+FDEF, U+xFFFE, U+xFFFF), which the HTML
parsing algorithm reports as parse errors.
"""
from __future__ import annotations

from ..declaration import safe_field_value


def _visible_char(ch: str) -> str:
    code = ord(ch)
    if 0xD800 <= code <= 0xDFFF or 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE:
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return ch


def one_line(value: object) -> str:
    text = str(value)
    if any(_visible_char(c) != c for c in text):
        text = "".join(_visible_char(c) for c in text)
    return safe_field_value(text)


def cut(text: str, limit: int) -> str:
    """`text` of at most `limit` characters, plus a note of how many more there were."""
    if len(text) > limit:
        return f"{text[:limit]}… ({len(text) - limit} more characters)"
    return text
