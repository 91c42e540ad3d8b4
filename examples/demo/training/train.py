#!/usr/bin/python3
"""Train the demo embedding model from corpus.txt, deterministically.

The "training" is a word co-occurrence count within a window of two words,
projected to 16 dimensions by a fixed hash and normalised to unit length: a
toy, but a real function of its data, so the demo is a Free Model in the
ML-Policy sense (free data shipped here, complete training program here).
It writes model/model.safetensors, model/tokenizer.json and
model/config.json with the standard library only.

Usage: python3 training/train.py [OUTPUT_DIR]   (default: model/)
"""
import hashlib
import json
import math
import struct
import sys
from pathlib import Path

DIM = 16
WINDOW = 2
SPECIAL = ["[PAD]", "[UNK]"]


def read_corpus(path):
    return [line.split() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def build_vocab(sentences):
    words = sorted({w for s in sentences for w in s})
    return {tok: i for i, tok in enumerate(SPECIAL + words)}


def bucket(word):
    digest = hashlib.sha256(word.encode("utf-8")).digest()
    return digest[0] % DIM, 1.0 if digest[1] & 1 else -1.0


def train(sentences, vocab):
    rows = [[0.0] * DIM for _ in vocab]
    for s in sentences:
        for i, word in enumerate(s):
            for j in range(max(0, i - WINDOW), min(len(s), i + WINDOW + 1)):
                if j != i:
                    k, sign = bucket(s[j])
                    rows[vocab[word]][k] += sign
    for row in rows:
        norm = math.sqrt(sum(x * x for x in row)) or 1.0
        row[:] = [x / norm for x in row]
    return rows


def safetensors_bytes(tensors, metadata):
    """The safetensors layout: u64 header length, JSON header padded to 8, data."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name in sorted(tensors):
        shape, values = tensors[name]
        blob = struct.pack(f"<{len(values)}f", *values)
        header[name] = {"dtype": "F32", "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":"), sort_keys=True).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def tokenizer_json(vocab):
    return {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": vocab[t], "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for t in SPECIAL],
        "normalizer": {"type": "Lowercase"}, "pre_tokenizer": {"type": "Whitespace"},
        "post_processor": None, "decoder": None,
        "model": {"type": "WordLevel", "vocab": vocab, "unk_token": "[UNK]"},
    }


def main(out):
    here = Path(__file__).resolve().parent
    sentences = read_corpus(here / "corpus.txt")
    vocab = build_vocab(sentences)
    rows = train(sentences, vocab)
    flat = [x for row in rows for x in row]
    out.mkdir(parents=True, exist_ok=True)
    (out / "model.safetensors").write_bytes(safetensors_bytes(
        {"embeddings.weight": ([len(vocab), DIM], flat)}, {"format": "pt", "license": "CC0-1.0"}))
    (out / "tokenizer.json").write_text(json.dumps(tokenizer_json(vocab), indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")
    config = {"architectures": ["DemoEmbedding"], "model_type": "demo-embed", "hidden_size": DIM,
              "vocab_size": len(vocab), "window": WINDOW}
    (out / "config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "model")
