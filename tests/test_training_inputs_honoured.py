"""training-inputs-honoured: the declaration keys, the notice match, `mlmodel copyright` and `classify` (issue 21)."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from dh_mlmodel import cli
from dh_mlmodel.declaration import PROFILES, TRAINING_INPUTS_HONOURED as TIH, DeclarationError, parse_declaration
from dh_mlmodel.deliver.copyright import missing_training_notices, notice_present, training_notice_lines

TOP = Path(__file__).resolve().parent.parent
DEMO = TOP / "examples" / "demo"
DEP5 = """\
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/

Files: *
Copyright: 2019-2021 Jane Q.
 Public and the
 Corpus Contributors
License: CC0-1.0
Comment: Training input other: Copyright (C) 2018 Other Lab
 .
 end
"""


@pytest.mark.parametrize("notice, present", [
    ("2019-2021 Jane Q. Public and the Corpus Contributors", True),   # across continuation lines
    ("Copyright 2019-2021 jane q. public", True),                     # prefix and case
    ("© 2019-2021 Jane Q. Public", True),
    ("(C) 2018 Other Lab", True),                                     # in a Comment
    ("Other Lab end", True),                                          # DEP-5's " ." line is no word
    ("2019 Jane Q. Public", False),                                   # a different year is another notice
    ("Jane Q. Public and the Corpus", True),
    ("Copyright", False),                                             # nothing left after the prefix
    ("019-2021 Jane Q", False),                                       # whole words only
    ("2019-2021 Jane Q. Publi", False),
    ("2019-2021 Jane Q Public", True),                                # punctuation does not count
    ("Other Lab.", True),
    ("", False),
])
def test_notice_present(notice, present):
    assert notice_present(DEP5, notice) is present


def test_missing_training_notices_names_each_input_and_exempts_packaged_ones():
    datasets = [{"name": "a", "copyright": ["2019-2021 Jane Q. Public"]},
                {"name": "b", "copyright": ["2020 Nobody", "2018 Other Lab"]},
                {"name": "c"},
                {"name": "d", "package": "wamerican"},
                {"name": "e", "copyright": "2018 Other Lab"},            # a record with a string, not a list
                {"name": "f", "copyright": [None, 7]}]
    assert missing_training_notices(DEP5, datasets) == [
        "training input b: notice '2020 Nobody' is not in the copyright file",
        "training input c: no copyright notice declared (training-data: copyright:)",
        "training input e: no copyright notice declared (training-data: copyright:)",
        "training input f: notice 'None; 7' is not in the copyright file",
    ]


def parse(dataset: str):
    return parse_declaration(f"format: 1\nmodels:\n  - name: m\n    training-data: [{dataset}]\n",
                             Path("debian/mlmodel.yaml"))


def test_dataset_copyright_and_package_keys():
    (ds,) = parse("{name: w, availability: public, copyright: ['2020 A', '2021 B'], package: wamerican}").models[0].training_data
    assert ds.copyright == ("2020 A", "2021 B") and ds.package == "wamerican"
    (ds,) = parse("{name: w, availability: public, copyright: '2020 A'}").models[0].training_data
    assert ds.copyright == ("2020 A",) and ds.package is None


@pytest.mark.parametrize("dataset, expect", [
    ("{name: w, availability: public, package: Not_A_Package}", "is not a Debian package name"),
    ('{name: w, availability: public, copyright: "2020 A\\nFiles: *"}', "control character"),
    ("{name: w, availability: public, copyright: []}", ""),
    ("{name: w, availability: public, copyrigt: x}", "copyright"),  # the closest key is suggested
])
def test_dataset_keys_refuse_bad_values(dataset, expect):
    if expect == "":
        (ds,) = parse(dataset).models[0].training_data
        assert ds.copyright == ()
        return
    with pytest.raises(DeclarationError, match=expect):
        parse(dataset)


class _V:
    def __init__(self, profile):
        self.profile = profile


def test_training_notice_lines():
    decl = parse("{name: a, availability: public, copyright: '2020 A'}, {name: b, availability: public}, "
                 "{name: c, availability: public, package: wamerican}").models[0]
    assert training_notice_lines(decl, _V(TIH)) == [
        "Training input a: Copyright 2020 A",
        "TODO: the copyright notice of training input b (declare training-data: copyright: in debian/mlmodel.yaml)",
        "Training input c: its notices are in the copyright file of package wamerican."]
    assert training_notice_lines(decl, _V("ml-policy")) == [
        "Training input a: Copyright 2020 A", "Training input c: its notices are in the copyright file of package wamerican."]


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    dest = tmp_path / "demo"
    shutil.copytree(DEMO, dest, symlinks=True)
    return dest


def test_copyright_command_proposes_the_declared_notices(capsys, demo: Path):
    decl = demo / "debian/mlmodel.yaml"
    decl.write_text(decl.read_text().replace('copyright: "2026 dh-mlmodel developers"\n        url',
                                             'copyright: ["2025 Corpus People", "2024 More People"]\n        url'))
    assert cli.main(["copyright", "--policy", TIH, str(demo)]) == 0
    out = capsys.readouterr().out
    assert ("\n Training input demo-corpus: Copyright 2025 Corpus People\n"
            " Training input demo-corpus: Copyright 2024 More People\n") in out
    assert missing_training_notices(out, [{"name": "demo-corpus", "copyright": ["2025 Corpus People", "2024 More People"]}]) == []


def test_copyright_command_todo_only_under_the_profile(capsys, demo: Path):
    decl = demo / "debian/mlmodel.yaml"
    decl.write_text(decl.read_text().replace('        copyright: "2026 dh-mlmodel developers"\n', ""))
    assert cli.main(["copyright", "--policy", TIH, str(demo)]) == 0
    assert "TODO: the copyright notice of training input demo-corpus" in capsys.readouterr().out
    assert cli.main(["copyright", str(demo)]) == 0
    assert "training input demo-corpus" not in capsys.readouterr().out.lower()


def test_classify_shows_all_five_verdicts(capsys, demo: Path):
    decl = demo / "debian/mlmodel.yaml"
    decl.write_text(decl.read_text().replace("license: CC0-1.0\n        availability: public",
                                             "availability: public"))  # the corpus loses its licence
    rc = cli.main(["classify", str(demo)])
    out = capsys.readouterr().out
    assert rc == 0 and out.startswith("demo-embed: toxic-candy -> non-free (ml-policy, rule 9)\n")
    (line,) = [x for x in out.splitlines() if x.startswith("  every profile: ")]
    assert line == ("  every profile: ml-policy: toxic-candy -> non-free (rule 9); gr-a: toxic-candy -> non-free "
                    "(rule 9); model-is-source: toxic-candy -> non-free (rule 9); osaid: free -> main (rule 9); "
                    "training-inputs-honoured: reject (rule 9)")
    assert cli.main(["classify", "--json", "--policy", TIH, str(demo)]) == 1  # the chosen profile rejects
    (m,) = json.loads(capsys.readouterr().out)["models"]
    assert m["profile"] == TIH and m["category"] == "reject"
    assert list(m["profiles"]) == list(PROFILES)
    assert m["profiles"]["osaid"] == {"category": "free", "section": "main", "rule": 9}
    assert m["inputs"]["training_inputs"] == [{"name": "demo-corpus", "license": None,
                                               "copyright": ["2026 dh-mlmodel developers"], "package": None}]
