"""`mlmodel lint`: mlmodel-training-input-notice-missing, from the record's training_inputs (issue 21)."""
from __future__ import annotations

import pytest

from lintdebs import FREE_INPUTS, build_deb, demo_spec, hints, needs_dpkg_deb, with_record

pytestmark = needs_dpkg_deb

TAG = "mlmodel-training-input-notice-missing"
TIH = "training-inputs-honoured"


def _inputs(*datasets):
    return {**FREE_INPUTS, "training_inputs": list(datasets)}


def corpus(notice):
    return {"name": "demo-corpus", "license": "CC0-1.0", "copyright": notice, "package": None}


@pytest.mark.parametrize("profile, datasets, expected", [
    (TIH, [corpus(["2026 dh-mlmodel developers"])], []),                 # in the demo's copyright file
    (TIH, [corpus(["2025 Somebody Else"])], ["model demo-embed: training input demo-corpus: notice "
                                              "'2025 Somebody Else' is not in the copyright file"]),
    (TIH, [corpus([])], ["model demo-embed: training input demo-corpus: no copyright notice declared "
                          "(training-data: copyright:)"]),
    (TIH, [{**corpus([]), "package": "wamerican"}], []),                 # separately packaged
    (TIH, ["not a mapping", 3, None], []),                               # hostile record: ignored, no crash
    ("ml-policy", [corpus(["2025 Somebody Else"])], []),                 # the check runs only under the profile
    ("osaid", [corpus([])], []),
])
def test_notice_check(tmp_path, profile, datasets, expected):
    spec = with_record(demo_spec(), profile=profile, inputs=_inputs(*datasets))
    found = [h for h in hints(build_deb(spec, tmp_path)) if h["tag"] == TAG]
    assert [h["note"] for h in found] == expected
    assert all(h["pointer"].endswith("/.mlmodel/demo-embed.json") for h in found)


def test_training_inputs_not_a_list_is_ignored(tmp_path):
    spec = with_record(demo_spec(), profile=TIH, inputs={**FREE_INPUTS, "training_inputs": {"name": "x"}})
    assert TAG not in {h["tag"] for h in hints(build_deb(spec, tmp_path))}
