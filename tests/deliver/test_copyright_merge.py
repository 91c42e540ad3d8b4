"""`mlmodel copyright --update`: human paragraphs survive byte for byte, a second run changes nothing."""
from __future__ import annotations

import io
import warnings

import pytest
from debian import copyright as dep5
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dh_mlmodel.deliver.copyright import (ModelCopyright, check_parses, dep5_expression, header_stanza,
                                          merge_copyright, split_paragraphs)

WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
LINE = st.text(alphabet="abcdefghij klmnop.,()-<>@0123456789", min_size=1, max_size=40).map(str.strip).filter(bool)


@st.composite
def human_files_paragraph(draw):
    files = " ".join(draw(st.lists(WORD.map(lambda w: f"{w}/*"), min_size=1, max_size=3)))
    lines = [f"Files: {files}", f"Copyright: {draw(LINE)}"]
    lines += [f" {draw(LINE)}" for _ in range(draw(st.integers(0, 2)))]
    lines.append(f"License: {draw(st.sampled_from(['Expat', 'GPL-2+', 'BSD-3-clause', 'CC-BY-4.0']))}")
    if draw(st.booleans()):
        lines.insert(draw(st.integers(0, len(lines))), f"# {draw(LINE)}")  # a comment line a human wrote
    if draw(st.booleans()):
        lines.append(f"Comment: {draw(LINE)}")
    return "\n".join(lines) + "\n"


@st.composite
def existing_file(draw):
    header = "Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: x\n"
    if draw(st.booleans()):
        header += f"Comment: {draw(LINE)}\n"
    paras = [header]
    if draw(st.booleans()):
        paras.append("Files: *\nCopyright: 2026 Someone\nLicense: Expat\n")
    paras += draw(st.lists(human_files_paragraph(), max_size=4))
    if draw(st.booleans()):
        paras.append(f"License: Expat\n {draw(LINE)}\n .\n {draw(LINE)}\n")
    seps = [draw(st.sampled_from(["\n", "\n\n", "\n \n"])) for _ in paras[1:]]
    text = paras[0] + "".join(s + p for s, p in zip(seps, paras[1:]))
    return text, paras


def model(name="m", license="CC0-1.0", text="public domain dedication", non_main=None):
    return ModelCopyright(name, (f"{name}/*",), ("2026 Lab",), license, text, ("Training data: undeclared.",),
                          non_main)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(existing_file(), st.booleans())
def test_human_paragraphs_survive_and_update_is_idempotent(existing, non_main):
    text, paras = existing
    models = [model("alpha", non_main="ML-Policy: alpha is placed toxic-candy (non-free)" if non_main else None), model("beta", "Expat")]
    merged = merge_copyright(text, models, header_stanza("x", None))
    for para in paras[1:]:
        assert para in merged  # byte for byte, comments included
    header_lines = paras[0].splitlines(keepends=True)
    assert merged.startswith("".join(header_lines))  # the header is only extended (Disclaimer), never rewritten
    assert merge_copyright(merged, models, header_stanza("x", None)) == merged
    check_parses(merged, "debian/copyright")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = dep5.Copyright(io.StringIO(merged), strict=False)
    assert parsed.find_files_paragraph("alpha/model.safetensors").license.synopsis == "CC0-1.0"
    assert ("ML-Policy" in (parsed.header.disclaimer or "")) == non_main


def test_managed_stanza_replaced_in_place():
    first = merge_copyright(None, [model("m", text="t")], header_stanza("x", None))
    again = merge_copyright(first, [ModelCopyright("m", ("m/*",), ("2027 New Lab",), "CC0-1.0", "t", (), None)],
                            header_stanza("x", None))
    assert "2027 New Lab" in again and "2026 Lab" not in again
    assert again.count("Files: m/*") == 1


def test_human_stanza_for_model_files_keeps_the_last_word():
    human = ("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n\n"
             "Files: *\nCopyright: 2026 A\nLicense: Expat\n\n"
             "Files: m/special.bin\nCopyright: 2026 B\nLicense: GPL-2+\n")
    merged = merge_copyright(human, [model("m")], header_stanza("x", None))
    parsed = dep5.Copyright(io.StringIO(merged), strict=False)
    assert parsed.find_files_paragraph("m/special.bin").license.synopsis == "GPL-2+"
    assert parsed.find_files_paragraph("m/model.gguf").license.synopsis == "CC0-1.0"


def test_split_paragraphs_roundtrip():
    text = "a: 1\n\n\nb: 2\n \nc: 3"
    assert "".join(split_paragraphs(text)) == text


@pytest.mark.parametrize("expr,name,atoms", [
    ("apache-2.0", "Apache-2.0", ("Apache-2.0",)),
    ("mit", "Expat", ("Expat",)),
    ("Apache-2.0 OR MIT", "Apache-2.0 or Expat", ("Apache-2.0", "Expat")),
    ("(MIT AND CC0-1.0)", "(Expat and CC0-1.0)", ("Expat", "CC0-1.0")),
])
def test_dep5_expression(expr, name, atoms):
    assert dep5_expression(expr) == (name, atoms)


def test_disclaimer_follows_the_verdict():
    """A model that moves to main loses its ML-Policy line; a human's Disclaimer text stays."""
    header = ("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n"
              "Disclaimer: Shipped in non-free for reasons of its own.\n")
    toxic = merge_copyright(header, [model("m", non_main="ML-Policy: m is placed toxic-candy (non-free)")],
                            header_stanza("x", None))
    assert "ML-Policy: m is placed toxic-candy" in toxic and "reasons of its own" in toxic
    free = merge_copyright(toxic, [model("m")], header_stanza("x", None))
    assert "ML-Policy" not in free and free.startswith(header)
    alone = merge_copyright(None, [model("m", non_main="ML-Policy: m is placed non-free (non-free)")],
                            header_stanza("x", None))
    assert "Disclaimer: ML-Policy: m is placed non-free" in alone
    assert "Disclaimer" not in merge_copyright(alone, [model("m")], header_stanza("x", None))


def _demo_with_crlf_copyright(tmp_path):
    import shutil
    from pathlib import Path

    demo = Path(__file__).resolve().parents[2] / "examples" / "demo"
    src = tmp_path / "demo"
    shutil.copytree(demo, src, symlinks=True)
    path = src / "debian" / "copyright"
    lf = path.read_bytes().decode("utf-8")
    # the human paragraphs in CRLF, and the managed stanza of a removed model left out: --update adds it back
    kept = [c for c in split_paragraphs(lf) if "Managed by mlmodel copyright" not in c]
    crlf = "".join(kept).replace("\n", "\r\n").encode()
    path.write_bytes(crlf)
    return src, path, crlf


def test_update_keeps_a_crlf_file_byte_for_byte(tmp_path, capsys):
    """`mlmodel copyright --update` on a CRLF debian/copyright: human paragraphs keep their CRLF bytes
    (docs/design.md), what we add is CRLF too, python-debian reads the result, a second run changes nothing."""
    from dh_mlmodel import cli

    src, path, crlf = _demo_with_crlf_copyright(tmp_path)
    assert cli.main(["copyright", "--update", str(src)]) == 0
    out = path.read_bytes()
    for chunk in split_paragraphs(crlf.decode()):
        if chunk.strip():
            assert chunk.encode() in out  # every human paragraph, CRLF included
    assert b"\r\n" in out and out.count(b"\n") == out.count(b"\r\n")  # no bare LF was added
    with open(path, encoding="utf-8", newline="") as fh, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = dep5.Copyright(fh, strict=False)
    assert parsed.find_files_paragraph("model/model.safetensors").license.synopsis == "CC0-1.0"
    capsys.readouterr()
    assert cli.main(["copyright", "--update", str(src)]) == 0
    assert "unchanged" in capsys.readouterr().out and path.read_bytes() == out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(existing_file(), st.booleans())
def test_crlf_file_stays_crlf(existing, non_main):
    """The merge itself on CRLF text: human paragraphs byte for byte, our lines in the file's line end."""
    text, paras = existing
    text, paras = text.replace("\n", "\r\n"), [p.replace("\n", "\r\n") for p in paras]
    models = [model("alpha", non_main="ML-Policy: alpha is placed toxic-candy (non-free)" if non_main else None)]
    merged = merge_copyright(text, models, header_stanza("x", None))
    for para in paras[1:]:
        assert para in merged
    assert merged.count("\n") == merged.count("\r\n")
    assert merge_copyright(merged, models, header_stanza("x", None)) == merged
    check_parses(merged, "debian/copyright")
