"""The decision table of policy.md §6: every cell, every profile, reached from a declaration."""
from __future__ import annotations

from pathlib import Path

import pytest

from dh_mlmodel.declaration import PROFILES, TRAINING_INPUTS_HONOURED, parse_declaration
from dh_mlmodel.model import Verdict
from dh_mlmodel.policy import TABLE, PolicyError, area_of, decide, section_findings
from dh_mlmodel.provenance import merge

# Declaration fragments (one YAML line each) that set one input of the table.
FREE = "license: Apache-2.0"
UNCLEAR = "license: other"
NONFREE = "license: llama2"
D_FREE = "training-data: [{name: wikitext-103, license: CC-BY-SA-3.0, availability: public}]"
D_NONFREE = "training-data: [{name: maestro, license: CC-BY-NC-SA-4.0, availability: public}]"
D_ONREQ = "training-data: [{name: corpus, license: CC-BY-4.0, availability: on-request}]"
D_WITHHELD = "training-data: [{name: crawl, availability: unavailable}]"
D_GONE = "training-data: [{name: crawl, availability: unavailable, withheld: false}]"
D_UNDECL = "training-data: undeclared"
D_WITHHELD_LIC = "training-data: [{name: crawl, license: CC-BY-4.0, availability: unavailable}]"
D_GONE_LIC = "training-data: [{name: crawl, license: CC-BY-4.0, availability: unavailable, withheld: false}]"
D_UNCLEAR_LIC = "training-data: [{name: corpus, license: other, availability: public}]"
D_MIXED = ("training-data: [{name: a, license: CC0-1.0, availability: public}, "
           "{name: b, availability: public}]")
C_FREE = "training-code: {license: MIT, completeness: complete}"
C_NFTC = "training-code: {license: MIT, completeness: complete, non-free-toolchain: true}"
C_NONFREE_LIC = "training-code: {license: CC-BY-NC-4.0, completeness: complete}"
C_PARTIAL = "training-code: {license: MIT, completeness: partial}"
C_FT = "training-code: {license: MIT, completeness: partial, upstream-fine-tunes: true}"
C_MISSING = "training-code: {completeness: missing}"
DI = "data-information: true"
REBUILT = "reproducible: rebuilt"
DOCUMENTED = "reproducible: documented"
B_NONFREE = "base-model: {name: ex/base, license: llama2}"
B_NONFREE_CAT = "base-model: {name: ex/base, category: non-free}"
B_TC = "base-model: {name: ex/base, category: toxic-candy}"
B_TC_PKG = "base-model: {name: ex/base, package: ex-base-model, category: toxic-candy, replaceable: true}"
B_TC_PKG_FIXED = "base-model: {name: ex/base, package: ex-base-model, category: toxic-candy}"
B_TC_MAIN = "base-model: {name: ex/base, category: toxic-candy, section: main}"
B_UNKNOWN = "base-model: {name: ex/base}"
B_FREE = "base-model: {name: ex/base, category: free}"
B_FREE_CONTRIB = "base-model: {name: ex/base, category: free, section: contrib}"


def verdict_for(*fragments: str, profile: str) -> Verdict:
    body = "".join(f"    {f}\n" for f in fragments)
    decl = parse_declaration(f"format: 1\nmodels:\n  - name: m\n{body}", Path("debian/mlmodel.yaml"))
    return decide(merge(decl.models[0]), profile)


CLASSIC = PROFILES[:4]  # the four profiles before issue 21: their cells below are unchanged
ML, GRA, MIS, OSAID = CLASSIC
TIH = TRAINING_INPUTS_HONOURED
assert PROFILES == (*CLASSIC, TIH)
TC, NF, FR, RJ = "toxic-candy", "non-free", "free", "reject"

# (rule, profile, fragments, category, section).  Each row of policy.md §6, each profile column;
# conditional cells have one case per branch.
CELLS = [
    # 1  L=unclear: reject everywhere
    *[(1, p, (UNCLEAR, D_FREE, C_FREE, DI), RJ, None) for p in CLASSIC],
    # 2  L=nonfree
    *[(2, p, (NONFREE, D_FREE, C_FREE, DI), NF, "non-free") for p in CLASSIC],
    # 3  base non-free (by its licence, or declared)
    *[(3, p, (FREE, D_FREE, C_FREE, DI, B_NONFREE), NF, "non-free") for p in CLASSIC],
    *[(3, p, (FREE, D_FREE, C_FREE, DI, B_NONFREE_CAT), NF, "non-free") for p in CLASSIC],
    # 4  D=undeclared (explicitly, and by leaving the key out)
    (4, ML, (FREE, D_UNDECL, C_FREE, DI), TC, "non-free"),
    (4, ML, (FREE, C_FREE, DI), TC, "non-free"),
    (4, GRA, (FREE, D_UNDECL, C_FREE, DI), TC, "non-free"),
    (4, MIS, (FREE, D_UNDECL, C_FREE, DI), RJ, None),
    (4, OSAID, (FREE, D_UNDECL, C_FREE, DI), RJ, None),
    # 5  C=missing (declared missing, and not declared at all)
    *[(5, p, (FREE, D_FREE, C_MISSING, DI), TC, "non-free") for p in CLASSIC],
    *[(5, p, (FREE, D_FREE, DI), TC, "non-free") for p in CLASSIC],
    # 6  free data, free complete code, no base / free base
    *[(6, p, (FREE, D_FREE, C_FREE, DI, DOCUMENTED), FR, "main") for p in CLASSIC],
    *[(6, p, (FREE, D_FREE, C_FREE, DI, DOCUMENTED, B_FREE), FR, "main") for p in CLASSIC],
    (6, ML, (FREE, D_FREE, C_NFTC, DI), FR, "contrib"),
    (6, ML, (FREE, D_FREE, C_NONFREE_LIC, DI), FR, "contrib"),
    (6, GRA, (FREE, D_FREE, C_NFTC, DI), FR, "main"),
    (6, GRA, (FREE, D_FREE, C_NFTC, DI, REBUILT), FR, "contrib"),
    (6, MIS, (FREE, D_FREE, C_NFTC, DI), FR, "main"),
    (6, MIS, (FREE, D_FREE, C_NFTC, DI, REBUILT), FR, "contrib"),
    (6, OSAID, (FREE, D_FREE, C_NFTC, DI), FR, "contrib"),
    (6, OSAID, (FREE, D_FREE, C_FREE), TC, "non-free"),  # no data information
    # 6 + lineage cap: a free base in contrib keeps the fine-tune out of main (not under model-is-source)
    (6, ML, (FREE, D_FREE, C_FREE, DI, B_FREE_CONTRIB), FR, "contrib"),
    (6, GRA, (FREE, D_FREE, C_FREE, DI, B_FREE_CONTRIB), FR, "contrib"),
    (6, OSAID, (FREE, D_FREE, C_FREE, DI, B_FREE_CONTRIB), FR, "contrib"),
    (6, MIS, (FREE, D_FREE, C_FREE, DI, B_FREE_CONTRIB), FR, "main"),
    # 7  free data, partial code
    (7, ML, (FREE, D_FREE, C_PARTIAL, DI), TC, "non-free"),
    (7, GRA, (FREE, D_FREE, C_PARTIAL, DI), TC, "non-free"),
    (7, MIS, (FREE, D_FREE, C_PARTIAL, DI), FR, "main"),
    (7, OSAID, (FREE, D_FREE, C_PARTIAL, DI), TC, "non-free"),
    # 7 under model-is-source is not capped by a ToxicCandy base
    (7, MIS, (FREE, D_FREE, C_PARTIAL, DI, B_TC), FR, "main"),
    # 8  row 6 but the base is ToxicCandy / not in main
    (8, ML, (FREE, D_FREE, C_FREE, DI, B_TC), TC, "non-free"),
    (8, ML, (FREE, D_FREE, C_FREE, DI, B_UNKNOWN), TC, "non-free"),
    (8, GRA, (FREE, D_FREE, C_FREE, DI, B_TC), TC, "non-free"),
    (8, MIS, (FREE, D_FREE, C_FREE, DI, B_TC_PKG), FR, "main"),
    (8, MIS, (FREE, D_FREE, C_FREE, DI, B_TC), TC, "non-free"),  # base not in the archive
    (8, MIS, (FREE, D_FREE, C_FREE, DI, B_TC_PKG_FIXED), TC, "non-free"),  # base not replaceable
    (8, OSAID, (FREE, D_FREE, C_FREE, DI, B_TC), TC, "non-free"),  # same as the base
    (8, OSAID, (FREE, D_FREE, C_FREE, DI, B_TC_MAIN), FR, "main"),  # same as the base
    (8, OSAID, (FREE, D_FREE, C_FREE, DI, B_UNKNOWN), RJ, None),  # base's result unknown
    # 9  public non-free data
    (9, ML, (FREE, D_NONFREE, C_FREE, DI), TC, "non-free"),
    (9, ML, (FREE, D_ONREQ, C_FREE, DI), TC, "non-free"),  # free licence but not public to anonymous users
    (9, GRA, (FREE, D_NONFREE, C_FREE, DI), TC, "non-free"),
    (9, MIS, (FREE, D_NONFREE, C_FREE, DI), TC, "non-free"),
    (9, OSAID, (FREE, D_NONFREE, C_FREE, DI), FR, "main"),
    (9, OSAID, (FREE, D_NONFREE, C_NFTC, DI), FR, "contrib"),
    (9, OSAID, (FREE, D_NONFREE, C_FREE), TC, "non-free"),
    (9, OSAID, (FREE, D_NONFREE, C_PARTIAL, DI), TC, "non-free"),
    (9, OSAID, (FREE, D_NONFREE, C_FREE, DI, B_TC), TC, "non-free"),  # lineage cap
    # 10 data withheld by upstream
    (10, ML, (FREE, D_WITHHELD, C_FREE, DI), TC, "non-free"),
    (10, GRA, (FREE, D_WITHHELD, C_FREE, DI), TC, "non-free"),
    (10, MIS, (FREE, D_WITHHELD, C_FT, DI), TC, "non-free"),
    (10, OSAID, (FREE, D_WITHHELD, C_FREE, DI), FR, "main"),
    (10, OSAID, (FREE, D_WITHHELD, C_FREE), TC, "non-free"),
    # 11 data never existed / deleted / unshareable
    (11, ML, (FREE, D_GONE, C_FT, DI), TC, "non-free"),
    (11, GRA, (FREE, D_GONE, C_FT, DI), TC, "non-free"),
    (11, MIS, (FREE, D_GONE, C_FT), FR, "main"),
    (11, MIS, (FREE, D_GONE, C_PARTIAL), TC, "non-free"),
    (11, OSAID, (FREE, D_GONE, C_FREE, DI), FR, "main"),
    (11, OSAID, (FREE, D_GONE, C_PARTIAL, DI), TC, "non-free"),
]

# The fifth column, training-inputs-honoured (Glaser's counter-proposal): every cell, every branch.
TIH_CELLS = [
    (1, TIH, (UNCLEAR, D_FREE, C_FREE, DI), RJ, None),
    (2, TIH, (NONFREE, D_FREE, C_FREE, DI), NF, "non-free"),
    (2, TIH, (NONFREE, D_WITHHELD, C_FREE), RJ, None),  # "not even acceptable for non-free"
    (3, TIH, (FREE, D_FREE, C_FREE, DI, B_NONFREE), NF, "non-free"),
    (3, TIH, (FREE, D_WITHHELD, C_FREE, B_NONFREE_CAT), RJ, None),
    (4, TIH, (FREE, D_UNDECL, C_FREE, DI), RJ, None),
    (4, TIH, (FREE, C_FREE, DI), RJ, None),
    (5, TIH, (FREE, D_FREE, C_MISSING, DI), TC, "non-free"),
    (5, TIH, (FREE, D_WITHHELD, C_MISSING), RJ, None),
    (6, TIH, (FREE, D_FREE, C_FREE, DI, DOCUMENTED), FR, "main"),
    (6, TIH, (FREE, D_FREE, C_FREE, DOCUMENTED), FR, "main"),  # data information is not asked for
    (6, TIH, (FREE, D_FREE, C_FREE, DI, DOCUMENTED, B_FREE), FR, "main"),
    (6, TIH, (FREE, D_FREE, C_NFTC, DI), TC, "non-free"),  # contrib only for non-free *runtime* deps
    (6, TIH, (FREE, D_FREE, C_NFTC, DI, REBUILT), TC, "non-free"),
    (6, TIH, (FREE, D_FREE, C_NONFREE_LIC, DI), TC, "non-free"),
    (6, TIH, (FREE, D_FREE, C_FREE, DI, B_FREE_CONTRIB), FR, "contrib"),  # lineage cap
    (7, TIH, (FREE, D_FREE, C_PARTIAL, DI), TC, "non-free"),
    (8, TIH, (FREE, D_FREE, C_FREE, DI, B_TC), TC, "non-free"),
    (8, TIH, (FREE, D_FREE, C_FREE, DI, B_TC_PKG), TC, "non-free"),
    (8, TIH, (FREE, D_FREE, C_FREE, DI, B_TC_MAIN), TC, "non-free"),
    (8, TIH, (FREE, D_FREE, C_FREE, DI, B_UNKNOWN), RJ, None),
    (9, TIH, (FREE, D_NONFREE, C_FREE, DI), TC, "non-free"),  # no "DFSG-free AI with DFSG-incompatible data"
    (9, TIH, (FREE, D_ONREQ, C_FREE, DI), TC, "non-free"),
    (9, TIH, (FREE, D_UNCLEAR_LIC, C_FREE, DI), RJ, None),
    (9, TIH, (FREE, D_MIXED, C_FREE, DI), RJ, None),
    (10, TIH, (FREE, D_WITHHELD, C_FREE, DI), RJ, None),
    (10, TIH, (FREE, D_WITHHELD_LIC, C_FREE, DI), TC, "non-free"),
    (11, TIH, (FREE, D_GONE, C_FT, DI), RJ, None),
    (11, TIH, (FREE, D_GONE_LIC, C_FT, DI), TC, "non-free"),
]
CELLS += TIH_CELLS


@pytest.mark.parametrize("rule, profile, fragments, category, section", CELLS,
                         ids=[f"r{c[0]}-{c[1]}-{i}" for i, c in enumerate(CELLS)])
def test_every_cell(rule, profile, fragments, category, section):
    v = verdict_for(*fragments, profile=profile)
    assert (v.category, v.section, v.rule) == (category, section, rule)
    assert v.profile == profile
    assert v.reasons[0].startswith(f"rule {rule} ")
    assert any(r.startswith("inputs: L=") for r in v.reasons)
    assert "ftpmasters decide" in v.reasons[-1] and "withdrawn" in v.reasons[-1]
    assert v.inputs["profile"] == profile and "D" in v.inputs and "C" in v.inputs


# The 4 x 12 cells before the fifth profile, pinned over every combination of inputs a row reads (25200
# verdicts: category, section, rule, every reason, finding tags).  The digest was computed with the code
# of commit 1f55a47, before training-inputs-honoured existed; adding the column must not move it.
CLASSIC_DIGEST = "1677d646e8d6cc50d461e22a481d050658b892bf517f94fb771b77bc1a88f975"


def test_the_four_classic_columns_are_unchanged():
    import hashlib
    import itertools
    import json

    from dh_mlmodel.declaration import DatasetDecl
    from dh_mlmodel.provenance import BaseInfo, Provenance

    bases = [(), (BaseInfo("b", "free", "main"),), (BaseInfo("b", "free", "contrib"),),
             (BaseInfo("b", "toxic-candy", "non-free", package="b-pkg", replaceable=True),),
             (BaseInfo("b", "toxic-candy", "main"),), (BaseInfo("b", "unknown", None),),
             (BaseInfo("b", "non-free", "non-free"),)]
    h, n = hashlib.sha256(), 0
    for L, D, withheld, di, C, nftc, ft, R, B, G, profile in itertools.product(
            ("free", "non-free", "unclear"), ("free-available", "available-nonfree", "unavailable", "undeclared"),
            (False, True), (False, True), ("free", "partial", "missing"), (False, True), (False, True),
            ("rebuilt", "no"), bases, (False, True), CLASSIC):
        if (withheld and D != "unavailable") or (ft and profile != "model-is-source"):
            continue  # inputs no row reads in that case
        p = Provenance(model="m", license="x", license_source="declaration", L=L, license_reason="r", D=D,
                       D_withheld=withheld, DI=di, C=C, C_nonfree_toolchain=nftc, C_upstream_fine_tunes=ft, R=R,
                       B=B, B_replaceable=all(b.replaceable for b in B) and bool(B), G=G,
                       datasets=(DatasetDecl("d", None, "unavailable"),))
        v = decide(p, profile)
        h.update(json.dumps([v.category, v.section, v.rule, list(v.reasons), [f.tag for f in v.findings]]).encode())
        n += 1
    assert (n, h.hexdigest()) == (25200, CLASSIC_DIGEST)


@pytest.mark.parametrize("rule, profile, fragments, category, section", TIH_CELLS,
                         ids=[f"r{c[0]}-{i}" for i, c in enumerate(TIH_CELLS)])
def test_generative_never_moves_a_training_inputs_honoured_cell(rule, profile, fragments, category, section):
    """`generative` changes the notes under the fifth profile, never the placement (docs/policy.md §2)."""
    plain = verdict_for(*fragments, "generative: false", profile=TIH)
    gen = verdict_for(*fragments, "generative: true", profile=TIH)
    assert (gen.category, gen.section, gen.rule) == (plain.category, plain.section, plain.rule) == (category, section, rule)
    assert any("at most be as free as the model itself" in r for r in gen.reasons)
    assert not any("at most be as free as the model itself" in r for r in plain.reasons)
    assert any("TDM" in r for r in plain.reasons) and not any("TDM" in r for r in gen.reasons)
    assert not any("critical tasks" in r for r in gen.reasons)  # ML-Policy's note; Glaser's text has none
    if gen.section not in ("main", None):
        assert any("prevents the result from entering main" in r for r in gen.reasons)


def test_training_inputs_honoured_reasons_quote_the_text():
    rejected = verdict_for(FREE, D_WITHHELD, C_FREE, DI, profile=TIH)
    assert "not even acceptable for non-free" in rejected.reasons[0] and "crawl: no licence declared" in rejected.reasons[0]
    contrib_rule = verdict_for(FREE, D_FREE, C_NFTC, DI, profile=TIH)
    assert "non-free runtime dependencies" in contrib_rule.reasons[0]
    nonfree_data = verdict_for(FREE, D_NONFREE, C_FREE, DI, profile=TIH)
    assert "DFSG-incompatible training data" in nonfree_data.reasons[0]
    assert any("copyright notices of all training inputs" in r for r in nonfree_data.reasons)
    listed = verdict_for(FREE, "training-data: [{name: w, license: CC0-1.0, availability: public, "
                               "copyright: '2020 W', package: w-data}]", C_FREE, profile=TIH).inputs["training_inputs"]
    assert listed == [{"name": "w", "license": "CC0-1.0", "copyright": ["2020 W"], "package": "w-data"}]
    assert "training_inputs" not in verdict_for(FREE, D_FREE, C_FREE, profile=ML).inputs


def test_every_row_and_profile_has_a_cell():
    reached = {(rule, profile) for rule, profile, *_ in CELLS}
    rows = {row.number for row in TABLE}
    assert rows == set(range(1, 12))
    assert reached == {(r, p) for r in rows for p in PROFILES}


@pytest.mark.parametrize("profile", PROFILES)
def test_rule_12_keeps_main_and_warns(profile):
    v = verdict_for(FREE, D_FREE, C_FREE, DI, profile=profile)  # reproducible: unknown (not declared)
    assert (v.section, v.rule) == ("main", 6)
    assert [f.tag for f in v.findings] == ["mlmodel-not-reproducible"]
    assert any(r.startswith("rule 12:") for r in v.reasons)
    quiet = verdict_for(FREE, D_FREE, C_FREE, DI, DOCUMENTED, profile=profile)
    assert quiet.section == "main" and quiet.findings == ()
    not_main = verdict_for(FREE, D_WITHHELD, C_FREE, profile=profile)
    assert not any(r.startswith("rule 12:") for r in not_main.reasons)


def test_non_free_results_say_main_may_only_suggest():
    v = verdict_for(FREE, D_WITHHELD, C_FREE, profile=ML)
    assert any("Suggest" in r for r in v.reasons)
    assert not any("Suggest" in r for r in verdict_for(FREE, D_FREE, C_FREE, DI, profile=ML).reasons)


def test_ml_policy_toxic_candy_placement_is_marked_unverified():
    assert any("[placement unverified]" in r for r in verdict_for(FREE, D_WITHHELD, C_FREE, profile=ML).reasons)


def test_generative_note():
    v = verdict_for(FREE, D_FREE, C_FREE, DI, "generative: true", profile=ML)
    assert v.section == "main"
    assert any("Glaser" in r for r in v.reasons) and any("critical tasks" in r for r in v.reasons)
    assert not any("critical tasks" in r for r in verdict_for(FREE, D_FREE, C_FREE, DI, "generative: true", profile=OSAID).reasons)


def test_worst_dataset_decides():
    assert verdict_for(FREE, "training-data: [{name: a, license: MIT, availability: public}, "
                             "{name: b, license: CC-BY-NC-4.0, availability: public}]", C_FREE, DI, profile=ML).rule == 9
    assert verdict_for(FREE, "training-data: [{name: a, license: MIT, availability: public}, "
                             "{name: b, availability: unavailable}]", C_FREE, DI, profile=ML).rule == 10


def test_unknown_profile():
    with pytest.raises(PolicyError, match="unknown policy profile 'lax'"):
        verdict_for(FREE, profile="lax")


# ---------------------------------------------------------------- section check

@pytest.mark.parametrize("section, area", [
    ("science", "main"), ("", "main"), ("contrib/science", "contrib"), ("non-free/science", "non-free"),
    ("non-free-firmware/kernel", "non-free-firmware"),
])
def test_area_of(section, area):
    assert area_of(section) == area


def toxic():
    return verdict_for(FREE, D_WITHHELD, C_FREE, profile=ML)


def test_toxic_candy_in_main_section_is_an_error_with_the_reason():
    errors = section_findings(toxic(), {"src (source)": "science", "m-model": "science"})
    assert [f.severity for f in errors] == ["error", "error"]
    assert all(f.tag == "mlmodel-section-mismatch" for f in errors)
    assert "use Section: non-free/science" in errors[0].message
    assert "rule 10" in errors[0].message and "ToxicCandy" in errors[0].message


def test_contrib_for_a_non_free_verdict_is_an_error():
    errors = section_findings(toxic(), {"m-model": "contrib/science"})
    assert len(errors) == 1 and errors[0].severity == "error"


def test_matching_sections_pass():
    assert section_findings(toxic(), {"src (source)": "non-free/science", "m-model": "non-free/science"}) == []
    free = verdict_for(FREE, D_FREE, C_FREE, DI, profile=ML)
    assert section_findings(free, {"src (source)": "science", "m": ""}) == []
    contrib = verdict_for(FREE, D_FREE, C_NFTC, DI, profile=ML)
    assert section_findings(contrib, {"m": "contrib/science"}) == []
    assert section_findings(contrib, {"m": "science"})[0].severity == "error"


def test_stricter_section_is_a_warning():
    free = verdict_for(FREE, D_FREE, C_FREE, DI, profile=ML)
    (f,) = section_findings(free, {"m": "non-free/science"})
    assert f.severity == "warning" and f.tag == "mlmodel-section-stricter"


def test_reject_is_one_error():
    v = verdict_for(UNCLEAR, profile=ML)
    (f,) = section_findings(v, {"a": "science", "b": "non-free/science"})
    assert f.severity == "error" and f.tag == "mlmodel-policy-reject" and "rule 1" in f.message


def test_non_free_firmware_is_not_for_models():
    (f,) = section_findings(toxic(), {"m": "non-free-firmware/misc"})
    assert f.severity == "error" and "not for models" in f.message


# ---------------------------------------------------------------- the section check in a real build

TOXIC_DEMO = """\
format: 1
models:
  - name: demo-embed
    path: model
    license: CC0-1.0
    training-data:
      - {name: private-crawl, availability: unavailable}
    training-code: {license: Expat, completeness: complete}
"""
CONTRIB_DEMO = TOXIC_DEMO.replace("{name: private-crawl, availability: unavailable}",
                                  "{name: demo-corpus, license: CC0-1.0, availability: public}").replace(
    "completeness: complete}", "completeness: complete, non-free-toolchain: true}")


@pytest.mark.integration
@pytest.mark.parametrize("declaration, area, passes", [
    (TOXIC_DEMO, "", False),              # Section: science for a ToxicCandy model
    (TOXIC_DEMO, "contrib/", False),
    (TOXIC_DEMO, "non-free/", True),
    (CONTRIB_DEMO, "", False),
    (CONTRIB_DEMO, "contrib/", True),
], ids=["toxic-main", "toxic-contrib", "toxic-non-free", "contrib-main", "contrib-contrib"])
def test_demo_build_fails_when_section_disagrees(tmp_path, declaration, area, passes):
    import shutil

    from conftest import DEMO, dpkg_buildpackage, needs_debhelper

    if needs_debhelper.args[0]:
        pytest.skip(needs_debhelper.kwargs["reason"])
    src = tmp_path / "demo-embed-1.0"
    shutil.copytree(DEMO, src, symlinks=True)
    (src / "debian" / "mlmodel.yaml").write_text(declaration)
    control = src / "debian" / "control"
    control.write_text(control.read_text().replace("Section: science", f"Section: {area}science")
                       .replace("Section: doc", f"Section: {area}doc"))
    proc = dpkg_buildpackage(src, "-b", check=False)
    output = proc.stdout + proc.stderr
    if passes:
        assert proc.returncode == 0, output[-3000:]
        assert "dh_mlmodel: error" not in output
    else:
        assert proc.returncode != 0
        errors = [line for line in output.splitlines() if line.startswith("dh_mlmodel: error:")]
        assert errors, output[-3000:]
        want = "non-free" if declaration is TOXIC_DEMO else "contrib"
        assert f"in {want}" in errors[0] and "rule " in errors[0] and f"use Section: {want}/" in errors[0]


def test_decide_models_orders_sibling_bases_and_uses_the_lookup():
    from dh_mlmodel.policy import decide_models
    from dh_mlmodel.provenance import BaseInfo

    decl = parse_declaration(
        "format: 1\nmodels:\n"
        f"  - {{name: tuned, {FREE}, {D_FREE}, {C_FREE}, {DI}, base-model: [{{name: base}}, {{name: ext, package: ext-model}}]}}\n"
        f"  - {{name: base, {FREE}, {D_FREE}, {C_FREE}, {DI}}}\n", Path("debian/mlmodel.yaml"))
    seen = []

    def lookup(base):
        seen.append(base.name)
        return BaseInfo(base.name, "free", "contrib", base.package, source="test") if base.name == "ext" else None

    results = decide_models(decl, lambda m: None, "ml-policy", base_lookup=lookup)
    assert list(results) == ["tuned", "base"]
    assert results["base"][0].section == "main"
    tuned = results["tuned"][0]
    assert (tuned.category, tuned.section, tuned.rule) == ("free", "contrib", 6)  # capped by ext in contrib
    assert [b["source"] for b in tuned.inputs["B"]] == ["model base of this declaration (rule 6)", "test"]
    assert "base" not in seen  # a sibling never reaches the external lookup


def test_decide_models_refuses_a_cycle():
    from dh_mlmodel.policy import decide_models

    decl = parse_declaration("format: 1\nmodels:\n  - {name: a, base-model: {name: b}}\n  - {name: b, base-model: {name: a}}\n",
                             Path("debian/mlmodel.yaml"))
    with pytest.raises(PolicyError, match="base-model cycle: a -> b -> a"):
        decide_models(decl, lambda m: None)


# ---------------------------------------------------------------- properties over every combination of inputs

def test_table_is_total_and_the_lineage_cap_holds():
    """Every combination of inputs gets exactly one verdict; only model-is-source places a model above its base."""
    import itertools

    from dh_mlmodel.policy import SECTION_RANK
    from dh_mlmodel.provenance import BaseInfo, Provenance

    bases = [(), (BaseInfo("b", "free", "main"),), (BaseInfo("b", "free", "contrib"),),
             (BaseInfo("b", "toxic-candy", "non-free", package="b-pkg", replaceable=True),),
             (BaseInfo("b", "toxic-candy", "main"),), (BaseInfo("b", "unknown", None),),
             (BaseInfo("b", "non-free", "non-free"),)]
    count = 0
    for L, D, withheld, DI, C, nftc, ft, R, B, profile in itertools.product(
            ("free", "non-free", "unclear"), ("free-available", "available-nonfree", "unavailable", "undeclared"),
            (False, True), (False, True), ("free", "partial", "missing"), (False, True), (False, True),
            ("rebuilt", "no"), bases, PROFILES):
        if (withheld and D != "unavailable") or (ft and profile != "model-is-source"):
            continue  # inputs no row reads in that case
        p = Provenance(model="m", license="x", license_source="declaration", L=L, license_reason="r", D=D,
                       D_withheld=withheld, DI=DI, C=C, C_nonfree_toolchain=nftc, C_upstream_fine_tunes=ft, R=R,
                       B=B, B_replaceable=all(b.replaceable for b in B) and bool(B), G=False)
        v = decide(p, profile)
        count += 1
        assert v.category in ("free", "toxic-candy", "non-free", "reject")
        assert (v.section is None) == (v.category == "reject")
        assert v.reasons[-1].endswith("the ftpmasters decide.")
        if L == "unclear":
            assert v.rule == 1 and v.category == "reject"
        elif L == "non-free" and profile == TIH:
            assert v.rule == 2 and v.section == ("non-free" if D != "undeclared" else None)
        elif L == "non-free":
            assert (v.rule, v.section) == (2, "non-free")
        if profile == TIH and D == "undeclared":
            assert v.category == "reject"  # point 1 cannot be shown
        if profile == TIH and v.section == "contrib":
            assert not nftc and any(b.section == "contrib" for b in B)  # only the lineage cap gives contrib
        if v.section == "main":
            assert L == "free" and C != "missing" and D != "undeclared"
        if profile != "model-is-source" and B and v.section is not None:
            worst = max((b.section or "non-free" for b in B), key=SECTION_RANK.get)
            assert SECTION_RANK[v.section] >= SECTION_RANK[worst], (profile, v.rule, B, v.section)
        if profile == "ml-policy" and v.section == "main":
            assert D == "free-available" and C == "free" and not nftc
    assert count > 10000
