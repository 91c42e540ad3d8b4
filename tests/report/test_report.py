"""`mlmodel report`: the page validates, is reproducible and holds the facts; --markdown; --readme-source.

The HTML is checked with html5lib's strict parser (a parse error is an exception: the WHATWG
parsing algorithm's own error list), the facts against what `mlmodel classify --json` and
`mlmodel inspect --json` say for the same tree, so the page cannot drift from the pipeline.
The browser tests are in test_report_chromium.py.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import TOP
from review_sources import (ACCEPTED, HOSTILE, HUGE, corpus_source, demo_source, hostile_source,
                            run_report)
from corpus_fixture import corpus  # noqa: F401  (the shared fixture: fetched once, cached)

html5lib = pytest.importorskip("html5lib")

PROFILES = ("ml-policy", "gr-a", "model-is-source", "osaid", "training-inputs-honoured")
SVG = "{http://www.w3.org/2000/svg}"
XHTML = "{http://www.w3.org/1999/xhtml}"


def page(src: Path, tmp: Path, *extra: str) -> str:
    out = tmp / "page.html"
    proc = run_report("--html", str(out), *extra, str(src))
    assert proc.returncode == 0, proc.stderr
    return out.read_text(encoding="utf-8")


def strict_parse(text: str):
    """The document as html5lib's strict parser builds it; any parse error raises."""
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=True).parse(text)


def classify_json(src: Path, profile: str | None = None) -> dict:
    args = [sys.executable, "-m", "dh_mlmodel.cli", "classify", "--json", str(src)]
    if profile:
        args[4:4] = ["--policy", profile]
    proc = subprocess.run(args, capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(TOP)))
    assert proc.returncode in (0, 1), proc.stderr
    return json.loads(proc.stdout)


def inspect_json(path: Path) -> dict:
    proc = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "inspect", "--json", str(path)],
                          capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=str(TOP)))
    return json.loads(proc.stdout)


def text_of(el) -> str:
    return "".join(el.itertext())


def verdict_cards(doc) -> dict[str, str]:
    return {div.get("data-profile"): text_of(div) for div in doc.iter(f"{XHTML}div")
            if "verdict" in (div.get("class") or "").split()}


# ---------------------------------------------------------------- the page's facts

def test_demo_page_validates_and_matches_classify_and_inspect(tmp_path):
    src = demo_source(tmp_path)
    doc = strict_parse(page(src, tmp_path))
    cards = verdict_cards(doc)
    assert list(cards) == list(PROFILES)
    for profile in PROFILES:
        (model,) = classify_json(src, profile)["models"]
        assert f"{model['category']} → {model['section']}" in cards[profile]
        assert f"rule {model['rule']}" in cards[profile]
    body = text_of(doc.find(f"{XHTML}body"))
    for f in inspect_json(src / "model")["files"]:
        assert f["sha256"] in body and f"model/{f['path']}" in body
    # the binary packages dh_mlmodel's split gives (debian/control: -tokenizer and -doc)
    rows = {text_of(tr.find(f"{XHTML}td/{XHTML}code")): text_of(tr) for tr in doc.iter(f"{XHTML}tr")
            if tr.find(f"{XHTML}td/{XHTML}code") is not None}
    assert "demo-embed-tokenizer" in rows["model/tokenizer.json"]
    assert "demo-embed-doc" in rows["model/README.md"]
    assert "Every installed model file is covered" in body
    assert "ftpmasters decide" in body and "The reviewers decide." in body


def test_demo_graph_has_the_model_its_data_and_code(tmp_path):
    doc = strict_parse(page(demo_source(tmp_path), tmp_path))
    (lineage,) = [s for s in doc.iter(f"{SVG}svg") if s.get("class") == "lineage wide"]
    nodes = {n.get("class"): [text_of(t) for t in n.iter(f"{SVG}text")] for n in lineage.iter(f"{SVG}svg")
             if n is not lineage}
    assert nodes["node node-model"][0] == "demo-embed"
    assert nodes["node node-data"] == ["data: demo-corpus", "licence: CC0-1.0", "availability: public"]
    assert nodes["node node-code"][:2] == ["training code", "licence: Expat"]
    assert len(list(lineage.iter(f"{SVG}path"))) == 1 + 2  # the arrow marker's, and two edges


def test_page_is_self_contained(tmp_path):
    doc = strict_parse(page(demo_source(tmp_path), tmp_path))
    refs = [(el.tag, k, v) for el in doc.iter() for k, v in el.attrib.items()
            if k in ("href", "src", "srcset", "action", "data", "poster", "{http://www.w3.org/1999/xlink}href")]
    assert all(v.startswith("#") for _, _, v in refs), refs
    assert not [el for el in doc.iter() if el.tag in (f"{XHTML}script", f"{XHTML}link", f"{XHTML}iframe",
                                                      f"{XHTML}img", f"{SVG}image", f"{SVG}foreignObject")]
    (csp,) = [m for m in doc.iter(f"{XHTML}meta") if m.get("http-equiv") == "Content-Security-Policy"]
    assert "default-src 'none'" in csp.get("content")


@pytest.mark.corpus
def test_corpus_page_shows_the_lineage_and_where_the_readings_diverge(corpus, tmp_path):
    src = corpus_source(corpus, tmp_path, "akiki")
    doc = strict_parse(page(src, tmp_path))
    body = text_of(doc.find(f"{XHTML}body"))
    expected = {p: classify_json(src, p)["models"][0] for p in PROFILES}
    cards = verdict_cards(doc)
    for p, m in expected.items():
        shown = "reject" if m["section"] is None else f"{m['category']} → {m['section']}"
        assert shown in cards[p], (p, cards[p])
    # akiki: non-free under four readings, reject under training-inputs-honoured (docs/policy.md §6)
    assert "The readings diverge: non-free under ml-policy, gr-a, model-is-source, osaid; reject under " \
           "training-inputs-honoured." in " ".join(body.split())
    (lineage,) = [s for s in doc.iter(f"{SVG}svg") if s.get("class") == "lineage wide"]
    kinds = [n.get("class") for n in lineage.iter(f"{SVG}svg") if n is not lineage]
    assert kinds.count("node node-base") == 1 and "node node-data" in kinds
    base = next(n for n in lineage.iter(f"{SVG}svg") if n.get("class") == "node node-base")
    assert [text_of(t) for t in base.iter(f"{SVG}text")] == [
        "base: snakers4/silero-vad", "licence: MIT", "toxic-candy, non-free", "from declaration"]
    for f in inspect_json(src / "akiki/models")["files"]:
        assert f["sha256"] in body


@pytest.mark.corpus
def test_festvox_diverges_three_ways(corpus, tmp_path):
    """HTK (a non-free trainer): contrib, main or non-free depending on the reading."""
    doc = strict_parse(page(corpus_source(corpus, tmp_path, "deb-festvox-us-slt-hts"), tmp_path))
    body = " ".join(text_of(doc.find(f"{XHTML}body")).split())
    assert ("The readings diverge: main under gr-a, model-is-source; contrib under ml-policy, osaid; "
            "non-free under training-inputs-honoured.") in body


def test_same_input_same_bytes(tmp_path):
    """Two copies in different directories, two runs: byte-identical pages; the date is SOURCE_DATE_EPOCH's."""
    a = page(demo_source(tmp_path / "a"), tmp_path / "a")
    b = page(demo_source(tmp_path / "b"), tmp_path / "b")
    assert a == b
    assert str(tmp_path) not in a
    assert "Wed, 26 Nov 2025 12:00:00 GMT" in a
    other = tmp_path / "c"
    other.mkdir()
    proc = run_report(str(demo_source(other)), env={"SOURCE_DATE_EPOCH": "1700000000"})
    assert proc.returncode == 0 and "Tue, 14 Nov 2023 22:13:20 GMT" in proc.stdout
    assert proc.stdout.replace("Tue, 14 Nov 2023 22:13:20 GMT", "Wed, 26 Nov 2025 12:00:00 GMT") == a


# ---------------------------------------------------------------- hostile metadata

@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_hostile_metadata_is_text(tmp_path, declared):
    src = hostile_source(tmp_path, declared)
    html = page(src, tmp_path)
    doc = strict_parse(html)
    assert not [el for el in doc.iter() if el.tag in (f"{XHTML}script", f"{XHTML}img", f"{XHTML}b")
                or el.tag.endswith("foreignObject")]
    assert not [(el.tag, k) for el in doc.iter() for k in el.attrib if k.lower().startswith("on")]
    # one lineage svg, whose children are exactly our node boxes and edges (no `</svg>` closed it early)
    svgs = [el for el in doc.iter(f"{SVG}svg")]
    lineages = [s for s in svgs if s.get("class", "").startswith("lineage")]
    assert [s.get("class") for s in lineages] == ["lineage wide", "lineage narrow"]
    assert all(s in lineages or s.get("class", "").startswith("node node-") for s in svgs)
    for lineage in lineages:
        assert {child.tag for child in lineage} <= {f"{SVG}defs", f"{SVG}path", f"{SVG}svg"}
    assert len(list(lineages[0])) == len(list(lineages[1]))  # the same boxes and edges in both layouts
    body = text_of(doc.find(f"{XHTML}body"))
    assert HOSTILE in body  # shown, as text
    assert HUGE not in html and "more characters)" in body  # a huge value is cut, and says so
    assert "line one\\nline two\\u202eevil\\r\\n" in body  # newline and bidi override made visible
    assert "\u202e" not in html
    if declared:
        assert ACCEPTED in body  # the accepted pickle import, with the declaration's reason
        rows = [text_of(tr) for tr in doc.iter(f"{XHTML}tr") if ACCEPTED in text_of(tr)]
        assert rows and "reviewed: " + HOSTILE in rows[0]


def test_hostile_metadata_in_markdown_is_escaped(tmp_path):
    proc = run_report("--markdown", str(hostile_source(tmp_path)))
    assert proc.returncode == 0, proc.stderr
    md = proc.stdout
    assert not re.search(r"(?<!\\)<", md)  # every < escaped: no tag, no autolink, no HTML block
    assert "\\<script\\>window.\\_\\_pwned=1\\</script\\>" in md
    assert "\u202e" not in md and "\r" not in md
    for line in md.splitlines():
        if line.startswith("| "):  # table rows keep their column count
            assert len(re.findall(r"(?<!\\)\|", line)) in (7, 8), line[:200]


def test_a_file_name_with_a_newline_is_one_line_error_and_writes_nothing(tmp_path):
    src = demo_source(tmp_path)
    (src / "model/bad\nname.json").write_text("{}")
    out = tmp_path / "page.html"
    proc = run_report("--html", str(out), "--readme-source", str(src))
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "bad\\nname.json" in proc.stderr
    assert not out.exists() and not (src / "debian/README.source").exists()


def test_a_file_name_that_is_not_utf8_is_shown_escaped(tmp_path):
    """Held as surrogates (surrogateescape), it cannot be written as UTF-8: every output shows it escaped."""
    src = demo_source(tmp_path)
    with open(os.fsencode(src / "model") + b"/\xff\xfe.txt", "wb") as fh:
        fh.write(b"x")
    out = tmp_path / "page.html"
    proc = run_report("--html", str(out), "--markdown", "--readme-source", str(src))
    assert proc.returncode == 0, proc.stderr
    assert "model/\\udcff\\udcfe.txt" in text_of(strict_parse(out.read_text(encoding="utf-8")).find(f"{XHTML}body"))
    assert "model/\\\\udcff\\\\udcfe.txt" in proc.stdout  # Markdown: the backslash escaped too
    readme(src).decode("utf-8")


def test_html_into_a_missing_directory_names_it(tmp_path):
    target = tmp_path / "no/such/dir/page.html"
    proc = run_report("--html", str(target), str(demo_source(tmp_path)))
    assert proc.returncode == 2 and proc.stderr == f"mlmodel: error: {target}: cannot write: {target.parent} is not a directory\n"


def test_not_a_source_tree(tmp_path):
    proc = run_report(str(tmp_path / "nothing"))
    assert proc.returncode == 2 and "not a directory" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_report(str(tmp_path))
    assert proc.returncode == 2 and "no model files found" in proc.stderr


# ---------------------------------------------------------------- debian/README.source

MAINTAINER_HEAD = "demo-embed for Debian\n=====================\n\nMy own notes: keep\tthis  exactly.\n"
MAINTAINER_TAIL = "\n-- the maintainer, trailing text without a final newline"


def readme(src: Path) -> bytes:
    return (src / "debian/README.source").read_bytes()


def test_readme_source_keeps_the_maintainer_text_and_is_idempotent(tmp_path):
    src = demo_source(tmp_path)
    path = src / "debian/README.source"
    path.write_bytes(MAINTAINER_HEAD.encode())
    proc = run_report("--readme-source", str(src))
    assert proc.returncode == 0 and "updated" in proc.stdout
    first = readme(src)
    assert first.startswith(MAINTAINER_HEAD.encode() + b"\n### BEGIN mlmodel report")
    assert b"Why this package is in main:" in first
    # the maintainer adds text after our section; a re-run keeps both byte for byte
    path.write_bytes(first + MAINTAINER_TAIL.encode())
    stat = path.stat()
    proc = run_report("--readme-source", str(src))
    assert proc.returncode == 0 and "unchanged" in proc.stdout
    assert readme(src) == first + MAINTAINER_TAIL.encode()
    assert path.stat().st_ino == stat.st_ino  # not rewritten
    assert sorted(p.name for p in (src / "debian").iterdir() if "mlmodel-report" in p.name) == []


def test_readme_source_section_follows_the_declaration(tmp_path):
    """Data that becomes undeclared moves the model to non-free; only the section changes."""
    src = demo_source(tmp_path)
    path = src / "debian/README.source"
    path.write_bytes(MAINTAINER_HEAD.encode())
    assert run_report("--readme-source", str(src)).returncode == 0
    before = readme(src)
    path.write_bytes(before + MAINTAINER_TAIL.encode())
    decl = src / "debian/mlmodel.yaml"
    text = decl.read_text()
    decl.write_text(re.sub(r"    training-data:\n(      .*\n|        .*\n)+", "    training-data: undeclared\n", text))
    proc = run_report("--readme-source", str(src))
    assert proc.returncode == 0 and "updated" in proc.stdout
    after = readme(src)
    assert after.startswith(MAINTAINER_HEAD.encode()) and after.endswith(MAINTAINER_TAIL.encode())
    assert b"Why this package is in non-free:" in after and b"Why this package is in main:" not in after
    assert after.count(b"### BEGIN mlmodel report") == after.count(b"### END mlmodel report") == 1


def test_readme_source_crlf_and_non_utf8_bytes_survive(tmp_path):
    src = demo_source(tmp_path)
    head = b"Notes\r\n\xff\xfe latin-1 bytes \xe9\r\n"
    (src / "debian/README.source").write_bytes(head)
    assert run_report("--readme-source", str(src)).returncode == 0
    data = readme(src)
    assert data.startswith(head + b"\r\n### BEGIN mlmodel report")
    section = data[len(head):]
    assert b"\n" not in section.replace(b"\r\n", b"")  # every line of ours ends in CRLF too


def test_readme_source_created_when_missing(tmp_path):
    src = demo_source(tmp_path)
    assert run_report("--readme-source", str(src)).returncode == 0
    data = readme(src)
    assert data.startswith(b"### BEGIN mlmodel report") and data.endswith(b"### END mlmodel report\n")
    assert (src / "debian/README.source").stat().st_mode & 0o777 == 0o644


@pytest.mark.parametrize("broken", [
    "### BEGIN mlmodel report: written by `mlmodel report --readme-source`; edit outside this section\nno end\n",
    "### END mlmodel report\nstray end first\n",
])
def test_readme_source_broken_section_is_refused_untouched(tmp_path, broken):
    src = demo_source(tmp_path)
    (src / "debian/README.source").write_text(MAINTAINER_HEAD + broken)
    proc = run_report("--readme-source", str(src))
    assert proc.returncode == 2 and "section is broken" in proc.stderr and proc.stderr.count("\n") == 1
    assert readme(src) == (MAINTAINER_HEAD + broken).encode()


def test_readme_source_symlink_is_refused(tmp_path):
    src = demo_source(tmp_path)
    outside = tmp_path / "outside.txt"
    outside.write_text("not ours\n")
    (src / "debian/README.source").symlink_to(outside)
    proc = run_report("--readme-source", str(src))
    assert proc.returncode == 2 and "symbolic link" in proc.stderr
    assert outside.read_text() == "not ours\n"


def test_readme_source_debian_dir_leading_outside_is_refused(tmp_path):
    src = demo_source(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    (src / "debian").rename(elsewhere)
    (src / "debian").symlink_to(elsewhere)
    proc = run_report("--readme-source", str(src))
    assert proc.returncode == 2 and "out of the source tree" in proc.stderr
    assert not (elsewhere / "README.source").exists()


def test_two_models_one_the_base_of_the_other(tmp_path):
    """A fine-tune of another model of the same source: its box points at that model's box, one column on."""
    src = demo_source(tmp_path)
    decl = src / "debian/mlmodel.yaml"
    decl.write_text(decl.read_text() + "".join(f"{line}\n" for line in (
        "  - name: demo-embed-ft",
        "    path: model",
        "    license: CC0-1.0",
        "    base-model: {name: demo-embed}",
        "    training-data:",
        "      - {name: ft-corpus, license: CC0-1.0, availability: public}",
        "    training-code: {license: Expat, completeness: complete}")))
    doc = strict_parse(page(src, tmp_path))
    (lineage,) = [s for s in doc.iter(f"{SVG}svg") if s.get("class") == "lineage wide"]
    boxes = {"".join(n.find(f"{SVG}text").itertext()): (int(n.get("x")), n.get("class")) for n in lineage.iter(f"{SVG}svg")
             if n is not lineage}
    assert boxes["demo-embed-ft"][1] == boxes["demo-embed"][1] == "node node-model"
    assert boxes["demo-embed-ft"][0] < boxes["demo-embed"][0] < boxes["data: demo-corpus"][0]
    assert "base: demo-embed" not in boxes  # not drawn twice
    cards = verdict_cards(doc)
    assert len(cards) == 5  # dict by profile; two models give two sets of cards
    assert len([d for d in doc.iter(f"{XHTML}div") if "verdict" in (d.get("class") or "").split()]) == 10


def test_readme_source_write_failure_leaves_the_old_file(tmp_path, monkeypatch):
    from dh_mlmodel.review import readme_source

    path = tmp_path / "README.source"
    path.write_bytes(b"mine\n")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(readme_source.os, "replace", fail)
    with pytest.raises(OSError):
        readme_source.update(path, "  body\n")
    assert path.read_bytes() == b"mine\n" and [p.name for p in tmp_path.iterdir()] == ["README.source"]


@pytest.mark.parametrize("declared", [True, False], ids=["declared", "undeclared"])
def test_readme_source_gets_no_markup_from_hostile_metadata(tmp_path, declared):
    src = hostile_source(tmp_path, declared)
    (src / "debian/README.source").write_bytes(MAINTAINER_HEAD.encode())
    assert run_report("--readme-source", str(src)).returncode == 0
    data = readme(src)
    assert data.startswith(MAINTAINER_HEAD.encode())
    section = data[len(MAINTAINER_HEAD) + 1:].decode("utf-8")
    lines = section.split("\n")
    assert lines[0].startswith("### BEGIN") and lines[-2] == "### END mlmodel report" and lines[-1] == ""
    assert all(line.startswith("  ") or not line for line in lines[1:-2])  # no line can forge a marker
    assert not re.search(r"(?<!\\)[<>]", section.replace("`mlmodel report --readme-source`", ""))
    assert "\u202e" not in section and "\r" not in section
    assert max(len(line) for line in lines) < 400  # a huge value is cut to a line of prose
    # a second run finds the one section again
    proc = run_report("--readme-source", str(src))
    assert "unchanged" in proc.stdout and readme(src) == data


# ---------------------------------------------------------------- for other pages (the census)

def test_verdict_cells_fragment_escapes_and_marks_undeclared():
    from dh_mlmodel.model import Verdict
    from dh_mlmodel.review.render import verdict_cells_html

    v = Verdict(model="m", category="toxic-candy", section="non-free", profile="osaid", rule=4, reasons=())
    html = str(verdict_cells_html({"ml-policy": v, "osaid": None}))
    frag = html5lib.HTMLParser(strict=True).parseFragment(f"<table><tr>{html}</tr></table>")
    cells = [c for c in frag.iter() if c.tag.endswith("td")]
    assert [c.get("data-profile") for c in cells] == ["ml-policy", "osaid"]
    assert "toxic-candy → non-free" in text_of(cells[0]) and "rule 4" in text_of(cells[0])
    assert text_of(cells[1]).strip() == "undeclared"


def test_markdown_has_the_same_verdicts(tmp_path):
    src = demo_source(tmp_path)
    proc = run_report("--markdown", str(src))
    assert proc.returncode == 0
    (row,) = [line for line in proc.stdout.splitlines() if line.startswith("| demo-embed |")]
    assert row.count("main (rule 6)") == 5


def test_help_lists_report_and_its_options():
    env = dict(os.environ, PYTHONPATH=str(TOP))
    top = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "--help"], capture_output=True, text=True, env=env)
    assert top.returncode == 0 and "report" in top.stdout
    own = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "report", "--help"], capture_output=True, text=True,
                         env=env)
    assert own.returncode == 0
    for option in ("--html", "--markdown", "--readme-source", "--policy", "SOURCE_DIR"):
        assert option in own.stdout


def test_page_date_from_the_changelog_without_source_date_epoch(tmp_path):
    src = demo_source(tmp_path)
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    env["PYTHONPATH"] = str(TOP)
    proc = subprocess.run([sys.executable, "-m", "dh_mlmodel.cli", "report", "--markdown", str(src)],
                          capture_output=True, text=True, env=env)
    from debian.changelog import Changelog

    with open(src / "debian/changelog", encoding="utf-8") as fh:
        date = Changelog(fh, max_blocks=1).date
    import email.utils

    expected = email.utils.formatdate(email.utils.parsedate_to_datetime(date).timestamp(), usegmt=True)
    assert proc.returncode == 0 and proc.stdout.rstrip().endswith(f"for {expected}.")


def test_a_card_naming_thousands_of_datasets_gives_a_bounded_graph(tmp_path):
    src = demo_source(tmp_path)
    card = src / "model/README.md"
    names = [f"dataset-{i}" for i in range(3000)]
    card.write_text("---\n" + json.dumps({"license": "cc0-1.0", "datasets": names}) + "\n---\n# card\n")
    doc = strict_parse(page(src, tmp_path))
    (lineage,) = [s for s in doc.iter(f"{SVG}svg") if s.get("class") == "lineage wide"]
    boxes = ["".join(n.find(f"{SVG}text").itertext()) for n in lineage.iter(f"{SVG}svg") if n is not lineage]
    assert len(boxes) == 3 + 8 + 1 and boxes[-1] == "and 2992 more"
    body = text_of(doc.find(f"{XHTML}body"))
    assert "dataset-2999" in body  # the table keeps every name
