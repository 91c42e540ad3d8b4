"""File-name rules for roles (spec §5).

detect uses these as the hint and the fallback; content sniffing (detect.py)
can override a role where the bytes say otherwise (a pickle named .txt).
"""
from __future__ import annotations

import fnmatch
import posixpath

# Ordered: the first matching rule wins.  Patterns match the base name, lower-cased.
NAME_RULES: tuple[tuple[str, str], ...] = (
    # license texts are folded into debian/copyright, not installed
    ("license", "license"), ("license.*", "license"), ("licence", "license"), ("licence.*", "license"),
    ("copying", "license"), ("copying.*", "license"), ("notice", "license"), ("notice.*", "license"),
    # tokenizer files
    ("tokenizer.json", "tokenizer"), ("tokenizer_config.json", "tokenizer"),
    ("special_tokens_map.json", "tokenizer"), ("added_tokens.json", "tokenizer"),
    ("vocab.*", "tokenizer"), ("*.vocab", "tokenizer"), ("merges.txt", "tokenizer"),
    ("spiece.model", "tokenizer"), ("sentencepiece*.model", "tokenizer"), ("tokenizer.model", "tokenizer"),
    ("*.spm", "tokenizer"), ("chat_template.json", "tokenizer"), ("chat_template.jinja", "tokenizer"),
    ("*.jinja", "tokenizer"),
    # index files and small JSON the loader needs
    ("*.index.json", "config"), ("config.json", "config"), ("generation_config.json", "config"),
    ("preprocessor_config.json", "config"), ("*.json", "config"), ("*.yaml", "config"), ("*.yml", "config"),
    # weights
    ("*.safetensors", "weights"), ("*.gguf", "weights"), ("*.onnx", "weights"), ("*.onnx.data", "weights"),
    ("*.onnx_data", "weights"), ("*.bin", "weights"), ("*.pt", "weights"), ("*.pth", "weights"),
    ("*.ckpt", "weights"), ("*.pkl", "weights"), ("*.pickle", "weights"), ("*.joblib", "weights"),
    ("*.npy", "weights"), ("*.npz", "weights"), ("*.keras", "weights"), ("*.h5", "weights"),
    ("*.hdf5", "weights"), ("*.tflite", "weights"), ("*.pb", "weights"), ("*.mlmodel", "weights"),
    ("*.msgpack", "weights"), ("*.ggml", "weights"), ("*.traineddata", "weights"), ("*.nnue", "weights"),
    ("*.model", "weights"),
    # code that a loader would run (trust_remote_code)
    ("*.py", "code"),
    # prose
    ("readme", "docs"), ("readme.*", "docs"), ("model_card.md", "docs"), ("modelcard.md", "docs"),
    ("*.md", "docs"), ("*.rst", "docs"), ("*.txt", "docs"), ("changelog*", "docs"), ("*.pdf", "docs"),
)

# Directory parts that give the role of everything below them.
DIR_RULES: tuple[tuple[str, str], ...] = (
    ("code", "code"),  # TorchScript code/ and repo code/ dirs
)


def role_for_name(relpath: str) -> str:
    """The role spec §5 gives a file by its name alone."""
    base = posixpath.basename(relpath).lower()
    for pattern, role in NAME_RULES:
        if fnmatch.fnmatchcase(base, pattern):
            return role
    parts = relpath.lower().split("/")[:-1]
    for part, role in DIR_RULES:
        if part in parts:
            return role
    return "other"
