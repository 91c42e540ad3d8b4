"""sentencepiece models: piece count and the trainer's inputs.

Field numbers: google/sentencepiece src/sentencepiece_model.proto
(ModelProto: pieces 1, trainer_spec 2, normalizer_spec 3, self_test_data 4,
denormalizer_spec 5; TrainerSpec: input 1, model_type 3, vocab_size 4).
`trainer_spec.input` names the training text, which tells where the data
came from (and leaks the trainer's paths).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from ..model import Finding
from . import protobuf as pb
from .binio import BoundedReader, FormatError

MODEL_TYPES = {1: "unigram", 2: "bpe", 3: "word", 4: "char"}
TOP_FIELDS = {1, 2, 3, 4, 5}
# Real models are a few MB (a 256k-piece vocabulary is ~5 MB); sniffing walks the
# whole file, so larger files are not considered.
MAX_SNIFF_SIZE = 64 << 20


def _walk(path: Path, relpath: str) -> dict[str, Any]:
    size = path.stat().st_size
    pieces = 0
    meta: dict[str, Any] = {}
    with open(path, "rb") as f:
        r = BoundedReader(f, size, relpath)
        for number, wire, value in pb.fields(r, size, "ModelProto"):
            if number not in TOP_FIELDS or wire != pb.LEN:
                raise r.fail(f"not a sentencepiece model (field {number}, wire type {wire})")
            if number == 1:
                if pieces < CHECKED_PIECES:
                    _check_piece(r, value)
                pieces += 1
            elif number == 2:
                meta.update(_trainer(r, value))
    meta["pieces"] = pieces
    return meta


# SentencePiece (sentencepiece_model.proto): piece 1 string, score 2 float, type 3 enum.  Other
# protobufs whose field 1 is a message (keras_metadata.pb: SavedObject has node_id 2 as a varint)
# fail here instead of passing for a vocabulary.
PIECE_FIELDS = {1: pb.LEN, 2: pb.I32, 3: pb.VARINT}
CHECKED_PIECES = 16


def _check_piece(r: BoundedReader, span: tuple[int, int]) -> None:
    for number, wire, _value in pb.sub_fields(r, span, "SentencePiece"):
        if PIECE_FIELDS.get(number) != wire:
            raise r.fail(f"not a sentencepiece model (piece field {number}, wire type {wire})")


def _trainer(r: BoundedReader, span: tuple[int, int]) -> dict[str, Any]:
    inputs: list[str] = []
    out: dict[str, Any] = {}
    for number, wire, value in pb.sub_fields(r, span, "trainer_spec"):
        if number == 1 and wire == pb.LEN:
            inputs.append(pb.read_string(r, value, "trainer_spec.input"))
        elif number == 3 and wire == pb.VARINT:
            out["model_type"] = MODEL_TYPES.get(value, str(value))
        elif number == 4 and wire == pb.VARINT:
            out["vocab_size"] = value
    out["trainer_input"] = inputs
    return out


def looks_like_sentencepiece(path: Path, size: int) -> bool:
    if size < 4 or size > MAX_SNIFF_SIZE:
        return False
    try:
        meta = _walk(path, str(path))
    except (FormatError, OSError):
        return False
    return meta["pieces"] > 0


def describe(path: Path, relpath: str) -> tuple[dict[str, Any], list[Finding]]:
    meta = _walk(path, relpath)
    return meta, []
