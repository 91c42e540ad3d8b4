"""`mlmodel copyright --update` owns the paragraphs it (or init) wrote: issue #15.

init writes a `License: TODO-unknown-licence` paragraph before the maintainer
has declared a licence; after the declaration, the next `--update` must leave
no trace of it (lintian: license-problem-undefined-license), and the
standalone licence paragraphs it adds are marked so a later update can
replace or remove them.  Human paragraphs stay byte for byte.
"""
from __future__ import annotations

import io
import warnings

from debian import copyright as dep5

from dh_mlmodel.deliver.copyright import (ModelCopyright, header_stanza, license_stanza, merge_copyright,
                                          placeholders, split_paragraphs)

HEADER = header_stanza("x", None)
HUMAN = "Files: debian/*\nCopyright: 2026 Jane Doe <jane@example.org>\nLicense: Expat\n"


def model(name="m", license="TODO-unknown-licence", text=None, holders=("2026 Lab",)):
    return ModelCopyright(name, (f"{name}/*",), holders, license, text, ("Training data: undeclared.",), None)


def parse(text: str) -> dep5.Copyright:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return dep5.Copyright(io.StringIO(text), strict=True)


def standalone_licenses(text: str) -> list[str]:
    return [p.license.synopsis for p in parse(text).all_paragraphs() if isinstance(p, dep5.LicenseParagraph)]


def test_todo_licence_paragraph_removed_once_the_licence_is_declared():
    first = merge_copyright(HEADER + "\n" + HUMAN, [model()], HEADER)
    assert "TODO-unknown-licence" in standalone_licenses(first)
    second = merge_copyright(first, [model(license="Apache-2.0", text="the Apache text")], HEADER)
    assert "TODO" not in second, second
    assert standalone_licenses(second) == ["Apache-2.0"]
    assert HUMAN in second
    assert merge_copyright(second, [model(license="Apache-2.0", text="the Apache text")], HEADER) == second


def test_old_unmarked_todo_paragraph_of_init_is_recognised():
    """A debian/copyright written before the paragraphs were marked: its TODO text is ours by construction."""
    legacy = (HEADER + "\n" + HUMAN + "\n" + merge_copyright(None, [model()], HEADER).split("\n\n", 1)[1])
    legacy = legacy.replace(license_stanza("TODO-unknown-licence", None, managed=True),
                            license_stanza("TODO-unknown-licence", None, managed=False))
    assert "Comment:" not in legacy.split("License: TODO-unknown-licence\n", 2)[-1]
    updated = merge_copyright(legacy, [model(license="CC0-1.0", text="cc0")], HEADER)
    assert "TODO" not in updated


def test_licence_change_replaces_our_text_paragraph():
    first = merge_copyright(None, [model(license="CC0-1.0", text="cc0 text")], HEADER)
    second = merge_copyright(first, [model(license="Apache-2.0", text="apache text")], HEADER)
    assert standalone_licenses(second) == ["Apache-2.0"]
    assert "cc0 text" not in second


def test_human_licence_paragraph_wins_and_is_kept():
    human_text = "License: CC0-1.0\n The maintainer's own copy of the CC0 text.\n"
    first = merge_copyright(None, [model(license="CC0-1.0", text="our cc0 text")], HEADER)
    with_human = first + "\n" + human_text
    second = merge_copyright(with_human, [model(license="CC0-1.0", text="our cc0 text")], HEADER)
    assert human_text in second
    assert "our cc0 text" not in second  # one definition per name: the human one
    assert standalone_licenses(second) == ["CC0-1.0"]


def test_stale_model_paragraph_removed():
    both = merge_copyright(None, [model("a", "CC0-1.0", "t"), model("b", "Apache-2.0", "u")], HEADER)
    only_a = merge_copyright(both, [model("a", "CC0-1.0", "t")], HEADER)
    assert "for model b;" not in only_a and "Files: b/*" not in only_a
    assert standalone_licenses(only_a) == ["CC0-1.0"]


def test_human_paragraphs_untouched_byte_for_byte():
    human = ("Files: *\r\nCopyright: 2026 Upstream\r\nLicense: Expat\r\n# a comment kept\r\n",
             "License: Expat\r\n Expat text.\r\n")
    existing = HEADER.replace("\n", "\r\n") + "\r\n" + human[0] + "\r\n\r\n" + human[1]
    merged = merge_copyright(existing, [model()], HEADER)
    merged = merge_copyright(merged, [model(license="CC0-1.0", text="x")], HEADER)
    for para in human:
        assert para in merged
    assert "TODO" not in merged


def test_every_paragraph_we_write_is_marked_and_parses_strictly():
    merged = merge_copyright(None, [model(license="CC0-1.0", text="cc0")], HEADER)
    parsed = parse(merged)
    ours = [p for p in parsed.all_paragraphs() if not isinstance(p, dep5.Header)]
    assert ours and all("Managed by mlmodel copyright" in (p.comment or "") for p in ours)


def test_placeholders_found():
    merged = merge_copyright(None, [model(holders=("TODO: the holders",))], HEADER)
    found = placeholders(merged)
    assert any("TODO-unknown-licence" in f for f in found) and any("Copyright" in f for f in found)
    clean = merge_copyright(merged, [model(license="CC0-1.0", text="cc0")], HEADER)
    assert placeholders(clean) == []
    for name in ("unknown", "UNKNOWN", "NOASSERTION", "other"):
        text = HEADER + "\nFiles: *\nCopyright: 2026 X\nLicense: " + name + "\n"
        assert placeholders(text), name
    assert placeholders(HEADER + "\n" + HUMAN + "\nLicense: Expat\n Expat text.\n") == []
    assert placeholders("not machine readable at all\n") == []


def test_copyright_licence_agrees_with_the_declaration(tmp_path):
    """Issue #15: without license: declared, debian/copyright must not state the package metadata's
    licence as the weights' (the verdict says unclear); its TODO says what each source says."""
    from argparse import Namespace

    import numpy as np

    from dh_mlmodel.commands import copyright as cmd

    tree = tmp_path / "m-1.0"
    (tree / "debian").mkdir(parents=True)
    np.save(tree / "weights.npy", np.zeros(4, dtype=np.float32))
    (tree / "debian/mlmodel.yaml").write_text(
        "format: 1\nmodels:\n  - name: m\n    path: .\n    copyright: 2026 Lab\n    training-data: undeclared\n"
        "    training-code: {completeness: missing}\n")
    (tree / "PKG-INFO").write_text("Metadata-Version: 2.1\nName: m\nLicense: Apache-2.0\n")
    assert cmd.run(Namespace(update=True, policy=None, source_dir=tree)) == 0
    text = (tree / "debian/copyright").read_text()
    para = next(p for p in text.split("\n\n") if "for model m;" in p)
    assert "License: TODO-unknown-licence" in para
    assert "PKG-INFO (package metadata): Apache-2.0" in para


def test_licence_text_a_human_paragraph_still_names_is_kept():
    """init's `Files: debian/*` names the model's licence; our text paragraph must outlive the model's change."""
    debian = "Files: debian/*\nCopyright: 2025 Jane Doe <jane@example.org>\nLicense: CC0-1.0\n"
    first = merge_copyright(HEADER + "\n" + debian, [model(license="CC0-1.0", text="cc0 text")], HEADER)
    second = merge_copyright(first, [model(license="Apache-2.0", text="apache text")], HEADER)
    assert sorted(standalone_licenses(second)) == ["Apache-2.0", "CC0-1.0"]
    assert debian in second
    assert merge_copyright(second, [model(license="Apache-2.0", text="apache text")], HEADER) == second


def test_licence_text_filled_in_by_hand_survives_an_update():
    """We had no copy of the text (a TODO); the maintainer pasted it into our paragraph: an update keeps it."""
    first = merge_copyright(None, [model(license="EST-2003", text=None)], HEADER)
    filled = first.replace(" TODO: the full text of EST-2003: no copy was found in /usr/share/common-licenses or in "
                           "the model directory.", " Permission is hereby granted, free of charge, to use.")
    assert filled != first and placeholders(filled) == []
    assert merge_copyright(filled, [model(license="EST-2003", text=None)], HEADER) == filled


from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

LICENCES = st.sampled_from([("TODO-unknown-licence", None), ("CC0-1.0", "cc0"), ("Apache-2.0", "apache"),
                            ("EST-2003", None), ("Expat", "expat")])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.tuples(st.sampled_from("abc"), LICENCES), min_size=1, max_size=3,
                         unique_by=lambda t: t[0]), min_size=1, max_size=5), st.booleans())
def test_any_sequence_of_updates_leaves_one_text_per_named_licence(steps, with_human):
    """Whatever the declarations did before, the file after an update names each licence its model
    paragraphs use exactly once, has no TODO unless the last declaration still lacks a licence, and keeps
    the human paragraph."""
    human = "Files: debian/*\nCopyright: 2025 Jane\nLicense: CC0-1.0\n"
    text = HEADER + ("\n" + human if with_human else "")
    for step in steps:
        text = merge_copyright(text, [model(n, lic, body) for n, (lic, body) in step], HEADER)
    last = steps[-1]
    names = sorted(standalone_licenses(text))
    # Our CC0 text, once written, stays while the human paragraph names CC0 (we never add a human's text).
    ever_cc0 = any(lic == "CC0-1.0" for step in steps for _, (lic, _) in step)
    wanted = {lic for _, (lic, _) in last} | ({"CC0-1.0"} if with_human and ever_cc0 else set())
    assert names == sorted(set(names)) and set(names) == wanted, (names, wanted)
    if with_human:
        assert human in text
    assert {n for n, _ in last} == {p.split("for model ")[1].split(";")[0] for p in text.split("\n\n")
                                    if "for model " in p}
