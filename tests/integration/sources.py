"""Source packages for model layouts, made by the tests: control, rules, declaration, files.

The model files are written with the reference libraries (safetensors, gguf,
onnx) or, for sentencepiece, by encoding its protobuf by hand (the library
is not needed just to write a few pieces).
"""
from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

from conftest import TOP, intree_env

CHANGELOG = """{source} (1.0) unstable; urgency=medium

  * Test package.

 -- Test Maintainer <test@example.org>  Thu, 26 Nov 2026 12:00:00 +0000
"""

SOURCE_HEAD = """Source: {source}
Section: {section}
Priority: optional
Maintainer: Test Maintainer <test@example.org>
Build-Depends: debhelper-compat (= 13), dh-sequence-mlmodel
Standards-Version: 4.6.2
Rules-Requires-Root: no
"""

PACKAGE = """
Package: {name}
Architecture: all
Multi-Arch: foreign
{extra}Depends: ${{misc:Depends}}, ${{mlmodel:Depends}}
Provides: ${{mlmodel:Provides}}
Description: test model package {name}
 A model package made by the dh-mlmodel test suite to check the split of
 weights, tokenizer, configuration and documentation.
"""

COPYRIGHT_HEAD = """Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: {source}

Files: *
Copyright: 2026 Test Maintainer
License: CC0-1.0

License: CC0-1.0
 To the extent possible under law, the author has dedicated all copyright
 and related rights to this work to the public domain worldwide.
 .
 On Debian systems, the complete text of the CC0 1.0 Universal license can be
 found in "/usr/share/common-licenses/CC0-1.0".
"""


def mlmodel(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", *args], cwd=cwd, capture_output=True, text=True,
                          env=intree_env({"PYTHONPATH": str(TOP)}))
    assert proc.returncode == 0, proc.stderr
    return proc


def make_source(root: Path, source: str, packages: list[tuple[str, str | None]], declaration: str,
                section: str = "science") -> Path:
    """A native source package; PACKAGES are (name, section or None).  Copyright and source overrides
    come from `mlmodel copyright --update` and `mlmodel overrides --update`, as a maintainer would make them."""
    src = root / f"{source}-1.0"
    (src / "debian/source").mkdir(parents=True, exist_ok=True)
    control = SOURCE_HEAD.format(source=source, section=section)
    for name, sect in packages:
        control += PACKAGE.format(name=name, extra=f"Section: {sect}\n" if sect else "")
    (src / "debian/control").write_text(control)
    (src / "debian/changelog").write_text(CHANGELOG.format(source=source))
    (src / "debian/rules").write_text("#!/usr/bin/make -f\n\n%:\n\tdh $@\n")
    (src / "debian/rules").chmod(0o755)
    (src / "debian/source/format").write_text("3.0 (native)\n")
    (src / "debian/copyright").write_text(COPYRIGHT_HEAD.format(source=source))
    (src / "debian/mlmodel.yaml").write_text(declaration)
    return src


def finish_source(src: Path) -> None:
    mlmodel("copyright", "--update", ".", cwd=src)
    mlmodel("overrides", "--update", ".", cwd=src)


def free_model_yaml(name: str, path: str, extra: str = "") -> str:
    return f"""  - name: {name}
    path: {path}
    license: CC0-1.0
    copyright: "2026 Test Maintainer"
    training-data:
      - name: {name}-data
        license: CC0-1.0
        availability: public
        url: "https://example.org/{name}/data"
    training-code:
      url: "https://example.org/{name}/train"
      license: Expat
      completeness: complete
{extra}"""


# -- model files --------------------------------------------------------------------

def write_safetensors(path: Path, rows: int = 8, cols: int = 4) -> None:
    import numpy as np
    from safetensors.numpy import save_file

    path.parent.mkdir(parents=True, exist_ok=True)
    save_file({"w": np.arange(rows * cols, dtype=np.float32).reshape(rows, cols)}, str(path),
              metadata={"format": "np"})


def write_gguf(path: Path) -> None:
    import numpy as np
    from gguf import GGUFWriter

    path.parent.mkdir(parents=True, exist_ok=True)
    w = GGUFWriter(str(path), "llama")
    w.add_name("test model")
    w.add_license("cc0-1.0")
    # Ones hold no newline byte: the data is one long "line" for lintian's source check.
    w.add_tensor("token_embd.weight", np.ones((64, 16), dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def write_onnx(path: Path) -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    path.parent.mkdir(parents=True, exist_ok=True)
    weight = numpy_helper.from_array(np.ones((4, 4), dtype=np.float32), name="W")
    graph = helper.make_graph([helper.make_node("MatMul", ["x", "W"], ["y"])], "g",
                              [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
                              [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])], [weight])
    model = helper.make_model(graph, producer_name="dh-mlmodel-tests", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.save(model, str(path))


def _pb_key(field: int, wire: int) -> bytes:
    return _varint(field << 3 | wire)


def _varint(n: int) -> bytes:
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


def _pb_len(field: int, payload: bytes) -> bytes:
    return _pb_key(field, 2) + _varint(len(payload)) + payload


def write_sentencepiece(path: Path, pieces=("<unk>", "<s>", "</s>", "▁the", "▁model")) -> None:
    """A sentencepiece ModelProto: pieces (field 1) and a trainer_spec (field 2) naming its input."""
    body = b""
    for i, piece in enumerate(pieces):
        sp = _pb_len(1, piece.encode()) + _pb_key(2, 5) + struct.pack("<f", -float(i)) + _pb_key(3, 0) + _varint(
            2 if i == 0 else 1)
        body += _pb_len(1, sp)
    trainer = _pb_len(1, b"corpus.txt") + _pb_key(3, 0) + _varint(1) + _pb_key(4, 0) + _varint(len(pieces))
    body += _pb_len(2, trainer)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(body)
