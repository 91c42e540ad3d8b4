"""Licence knowledge base: every id of policy §7 and the 83 Hub ids, SPDX combinations."""
from __future__ import annotations

import pytest

from dh_mlmodel import licenses
from dh_mlmodel.licenses import FREE, NON_FREE, UNCLEAR, classify, dep5_name, lookup, spdx_id

# formats.md §6, copied as the Hub documents them (huggingface/hub-docs repositories-licenses.md).
HF_IDS = """apache-2.0 mit openrail bigscience-openrail-m creativeml-openrail-m bigscience-bloom-rail-1.0
bigcode-openrail-m afl-3.0 artistic-2.0 bsl-1.0 bsd bsd-2-clause bsd-3-clause bsd-3-clause-clear c-uda cc cc0-1.0
cc-by-2.0 cc-by-2.5 cc-by-3.0 cc-by-4.0 cc-by-sa-3.0 cc-by-sa-4.0 cc-by-nc-2.0 cc-by-nc-3.0 cc-by-nc-4.0 cc-by-nd-4.0
cc-by-nc-nd-3.0 cc-by-nc-nd-4.0 cc-by-nc-sa-2.0 cc-by-nc-sa-3.0 cc-by-nc-sa-4.0 cdla-sharing-1.0 cdla-permissive-1.0
cdla-permissive-2.0 wtfpl ecl-2.0 epl-1.0 epl-2.0 etalab-2.0 eupl-1.1 eupl-1.2 agpl-3.0 gfdl gpl gpl-2.0 gpl-3.0 lgpl
lgpl-2.1 lgpl-3.0 isc h-research intel-research lppl-1.3c ms-pl apple-ascl apple-amlr mpl-2.0 odc-by odbl openmdw-1.0
openmdw-1.1 openrail++ osl-3.0 postgresql ofl-1.1 ncsa unlicense zlib pddl lgpl-lr deepfloyd-if-license
fair-noncommercial-research-license llama2 llama3 llama3.1 llama3.2 llama3.3 llama4 grok2-community gemma unknown
other""".split()

# policy.md §7, transcribed row by row: (ids, expected status).  "unclear (likely yes)" is unclear.
POLICY_TABLE = [
    (["Apache-2.0", "apache-2.0"], FREE),
    (["MIT", "BSD-2-Clause", "BSD-3-Clause", "ISC", "Zlib", "BSL-1.0",
      "mit", "bsd-2-clause", "bsd-3-clause", "isc", "zlib", "bsl-1.0"], FREE),
    (["GPL-2.0-only", "GPL-3.0-or-later", "LGPL-2.1-only", "LGPL-3.0-or-later", "AGPL-3.0-only", "MPL-2.0",
      "gpl-2.0", "gpl-3.0", "lgpl-2.1", "lgpl-3.0", "agpl-3.0", "mpl-2.0"], FREE),
    (["CC0-1.0", "cc0-1.0"], FREE),
    (["CC-BY-4.0", "CC-BY-SA-4.0", "CC-BY-3.0", "CC-BY-SA-3.0", "cc-by-4.0", "cc-by-sa-4.0", "cc-by-3.0", "cc-by-sa-3.0"], FREE),
    (["CC-BY-2.0", "CC-BY-2.5", "cc-by-2.0", "cc-by-2.5"], UNCLEAR),
    (["cc-by-nc-2.0", "cc-by-nc-3.0", "cc-by-nc-4.0", "cc-by-nc-sa-2.0", "cc-by-nc-sa-3.0", "cc-by-nc-sa-4.0",
      "CC-BY-NC-4.0", "CC-BY-NC-SA-4.0"], NON_FREE),
    (["CC-BY-ND-4.0", "cc-by-nd-4.0", "cc-by-nc-nd-3.0", "cc-by-nc-nd-4.0"], NON_FREE),
    (["CDLA-Permissive-1.0", "CDLA-Permissive-2.0", "cdla-permissive-1.0", "cdla-permissive-2.0"], UNCLEAR),
    (["CDLA-Sharing-1.0", "ODbL-1.0", "ODC-By-1.0", "PDDL-1.0", "cdla-sharing-1.0", "odbl", "odc-by", "pddl"], UNCLEAR),
    (["openmdw-1.0"], UNCLEAR),
    (["openrail", "bigscience-openrail-m", "creativeml-openrail-m", "bigcode-openrail-m", "openrail++"], NON_FREE),
    (["bigscience-bloom-rail-1.0"], NON_FREE),
    (["llama2", "LicenseRef-Llama-2-Community"], NON_FREE),
    (["llama3", "llama3.1", "llama3.2", "llama3.3", "llama4", "LicenseRef-Llama-3.1-Community"], NON_FREE),
    (["gemma", "LicenseRef-Gemma"], NON_FREE),
    (["deepfloyd-if-license", "fair-noncommercial-research-license"], NON_FREE),
    (["c-uda"], UNCLEAR),
    (["other", "unknown"], UNCLEAR),
]


def test_table_holds_exactly_the_83_hub_ids():
    assert len(HF_IDS) == 83
    assert sorted(r.hf_id for r in licenses.LICENSES) == sorted(HF_IDS)


@pytest.mark.parametrize("hf_id", HF_IDS)
def test_every_hub_id_has_a_status_a_reason_and_an_spdx_name(hf_id):
    status = classify(hf_id)
    assert status.status in licenses.STATUSES
    assert status.reason and "\n" not in status.reason
    assert spdx_id(hf_id) is not None
    assert lookup(hf_id.upper()) is lookup(hf_id)  # ids match case-insensitively


@pytest.mark.parametrize("license_id, expected", [(i, s) for ids, s in POLICY_TABLE for i in ids])
def test_policy_section_7(license_id, expected):
    assert classify(license_id).status == expected


@pytest.mark.parametrize("hf_id, spdx, dep5", [
    ("apache-2.0", "Apache-2.0", "Apache-2.0"),
    ("mit", "MIT", "Expat"),
    ("bsd-3-clause", "BSD-3-Clause", "BSD-3-clause"),
    ("cc-by-sa-4.0", "CC-BY-SA-4.0", "CC-BY-SA-4.0"),
    ("gpl-3.0", "GPL-3.0", "GPL-3"),
    ("llama2", "LicenseRef-Llama-2-Community", "Llama-2-Community"),
    ("gemma", "LicenseRef-Gemma", "Gemma"),
    ("GPL-2.0-or-later", "GPL-2.0-or-later", "GPL-2+"),
])
def test_spdx_and_dep5_names(hf_id, spdx, dep5):
    assert spdx_id(hf_id) == spdx
    assert dep5_name(hf_id) == dep5


@pytest.mark.parametrize("family", ["bsd", "cc", "gpl", "lgpl", "gfdl", "openrail", "gpl-3.0", "gpl-2.0"])
def test_family_ids_are_flagged_ambiguous(family):
    assert lookup(family).ambiguous


@pytest.mark.parametrize("family", ["bsd", "cc", "gpl", "lgpl", "gfdl", "openrail", "other", "unknown"])
def test_family_and_unknown_ids_have_no_dep5_name(family):
    assert dep5_name(family) is None


def test_unknown_is_never_free():
    for text in (None, "", "  ", "other", "unknown", "LicenseRef-MyLab", "Proprietary", "see LICENSE file", "MIT/Apache-2.0"):
        result = classify(text)
        assert result.status == UNCLEAR, text
        assert "manual review" in result.reason or "never placed in main" in result.reason


@pytest.mark.parametrize("expression, status", [
    ("MIT AND Apache-2.0", FREE),
    ("MIT AND CC-BY-NC-4.0", NON_FREE),
    ("CC-BY-NC-4.0 AND MIT", NON_FREE),
    ("MIT AND other", UNCLEAR),
    ("llama2 AND other", NON_FREE),  # a known non-free term decides whatever the unclear one says
    ("MIT OR CC-BY-NC-4.0", FREE),
    ("CC-BY-NC-4.0 OR MIT", FREE),
    ("CC-BY-NC-4.0 OR gemma", NON_FREE),
    ("CC-BY-NC-4.0 OR other", UNCLEAR),
    ("(MIT OR CC-BY-NC-4.0) AND Apache-2.0", FREE),
    ("(MIT OR CC-BY-NC-4.0) AND gemma", NON_FREE),
    ("MIT OR CC-BY-NC-4.0 AND gemma", FREE),  # AND binds tighter: MIT OR (… AND …)
    ("GPL-2.0+ WITH Classpath-exception-2.0", FREE),
    ("GPL-2.0-or-later WITH Some-Unknown-exception", FREE),
    ("CC-BY-NC-4.0 WITH Classpath-exception-2.0", NON_FREE),
    ("mit and apache-2.0", FREE),  # lower-case operators, as SPDX 2.3 allows
    ("LicenseRef-Llama-2-Community or cc0-1.0", FREE),
    ("((MIT))", FREE),
])
def test_spdx_expressions_combine(expression, status):
    assert classify(expression).status == status


def test_or_with_a_free_branch_says_the_licensee_chooses():
    result = classify("MIT OR CC-BY-NC-4.0")
    assert any("licensee may choose MIT" in n and "CC-BY-NC-4.0 non-free" in n for n in result.notes)
    assert result.ids == ("MIT", "CC-BY-NC-4.0")


def test_and_names_the_term_that_makes_it_non_free():
    result = classify("Apache-2.0 AND cc-by-nc-sa-4.0")
    assert "CC-BY-NC-SA-4.0" in result.reason and "DFSG 6" in result.reason


def test_or_later_and_exception_notes():
    result = classify("GPL-2.0+ WITH Classpath-exception-2.0")
    assert "or any later version" in result.notes
    assert any("Classpath-exception-2.0 adds permissions" in n for n in result.notes)
    assert any("not in our list" in n for n in classify("MIT WITH Odd-exception").notes)


@pytest.mark.parametrize("broken", ["MIT AND", "(MIT", "MIT)", "AND MIT", "MIT WITH", "MIT OR OR Apache-2.0", "MIT; rm -rf /", "MIT\nDepends: x"])
def test_malformed_expressions_are_unclear_not_errors(broken):
    result = classify(broken)
    assert result.status == UNCLEAR
    assert "not an SPDX licence expression" in result.reason


def test_aliases_from_wheels_and_dep5():
    assert classify("Expat").status == FREE and spdx_id("Expat") == "MIT"
    assert classify("Apache Software License").status == FREE
    assert spdx_id("GPL-2+") == "GPL-2.0-or-later"
