"""A protobuf wire-format writer for tests: just enough to build ONNX, SavedModel and Keras
metadata messages by hand where the real writer (TensorFlow, Keras) is not installed."""
from __future__ import annotations


def varint(n: int) -> bytes:
    out = b""
    while True:
        out += bytes([(n & 0x7F) | (0x80 if n > 0x7F else 0)])
        n >>= 7
        if not n:
            return out


def field(number: int, payload: bytes | str | int) -> bytes:
    """Field `number`: a varint for an int, else length-delimited bytes (str as UTF-8)."""
    if isinstance(payload, int):
        return varint(number << 3) + varint(payload)
    raw = payload.encode() if isinstance(payload, str) else payload
    return varint(number << 3 | 2) + varint(len(raw)) + raw
