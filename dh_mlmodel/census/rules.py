"""Which files of a Debian package make it a census candidate: the rules, defined once.

A rule matches a path as the Contents indices list it (no leading slash).
The extensions come from what detect already knows (its extension claims and
the weight names of roles.NAME_RULES, which detect's magic numbers confirm
or refute), and the rest from the trained models Debian already ships in
formats this project does not parse: tesseract's traineddata, OpenCV's
cascade classifiers, HTS voices, PocketSphinx acoustic models, GNU
Backgammon's networks, SVOX Pico's language data, NNUE networks.  A rule only
picks a package to download; what a file is, is then decided by its bytes
(detect) and the census reports the rule beside it.

`task` is what the model does when the rule alone says so (a voice
synthesises speech): it feeds the "generative" column, with the rule named
as the source.  Generative tasks are provenance.GENERATIVE_TAGS.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ..detect import EXTENSION_CLAIMS


@dataclass(frozen=True)
class Rule:
    name: str  # short id, shown in the output
    what: str  # one line for docs/census.md and the HTML page
    exts: frozenset[str] = frozenset()  # lower-case extensions with the dot; or
    names: frozenset[str] = frozenset()  # exact base names
    pattern: re.Pattern | None = None  # and then this must also match the whole path (search)
    task: str = ""  # a provenance.GENERATIVE_TAGS-style task, when the rule says it
    trusted: bool = False  # the path alone identifies a model Debian ships (no magic number to check)
    unit: str = "file"  # "dir": the files of the matching file's directory are the model; "tree": and below it
    magic: bytes = b""  # first bytes that confirm a format detect does not know (fastText)

    def matches(self, path: str, base: str, ext: str) -> bool:
        if ext not in self.exts and base not in self.names:
            return False
        return self.pattern is None or self.pattern.search(path) is not None


def _exts(*exts: str) -> frozenset[str]:
    return frozenset(e.lower() for e in exts)


# Extensions detect confirms by magic (EXTENSION_CLAIMS) that are models, not generic data:
# .npy/.npz/.h5/.hdf5 are also everyday numeric data (test fixtures of numpy, h5py, scipy…), so
# HDF5 is taken only as Keras' .h5 weights are named (below), and NumPy arrays not at all.
_CLAIMED_MODEL_EXTS = _exts(*(e for e in EXTENSION_CLAIMS if e not in (".npy", ".npz", ".h5", ".hdf5")))

RULES: tuple[Rule, ...] = (
    Rule("ml-format", "safetensors, GGUF, ONNX, TFLite, Keras v3 files (detect's magic numbers)",
         exts=_CLAIMED_MODEL_EXTS),
    # Python's site .pth files sit directly in site-packages/ or dist-packages/.
    Rule("pytorch", "PyTorch checkpoints .pt/.pth/.ckpt (not Python's .pth path files in *-packages/)",
         exts=_exts(".pt", ".pth", ".ckpt"), pattern=re.compile(r"(?<!-packages)/[^/]+\Z")),
    Rule("keras-h5", "Keras HDF5 weights (.h5 named as a model or weights)", exts=_exts(".h5"),
         pattern=re.compile(r"(?:weights|model|keras)[^/]*\Z", re.IGNORECASE)),
    Rule("tf-graph", "TensorFlow graphs and SavedModels (.pb named as a model or graph)", exts=_exts(".pb"),
         pattern=re.compile(r"/(?:saved_model|frozen[^/]*|[^/]*graph[^/]*|[^/]*model[^/]*)\Z", re.IGNORECASE)),
    Rule("sentencepiece", "sentencepiece models (.model named as a tokenizer)", exts=_exts(".model"),
         pattern=re.compile(r"/(?:[^/]*sentencepiece[^/]*|spiece|[^/]*tokenizer[^/]*|[^/]*spm[^/]*|[^/]*bpe[^/]*)\Z",
                            re.IGNORECASE)),
    Rule("pickle-model", "pickled scikit-learn/joblib models named as models",
         exts=_exts(".pkl", ".pickle", ".joblib"),
         pattern=re.compile(r"/[^/]*(?:model|classifier|weights)[^/]*\Z", re.IGNORECASE)),
    Rule("tesseract", "Tesseract OCR traineddata (LSTM and legacy models)", exts=_exts(".traineddata"),
         trusted=True),
    Rule("opencv-cascade", "OpenCV Haar/LBP cascade classifiers", exts=_exts(".xml"),
         pattern=re.compile(r"/(?:haarcascades|lbpcascades)(?:_cuda)?/[^/]+\Z"), trusted=True),
    Rule("htsvoice", "HTS voices (hts_engine)", exts=_exts(".htsvoice"), task="text-to-speech", trusted=True),
    Rule("pocketsphinx", "PocketSphinx/Sphinx acoustic model directories",
         names=frozenset({"mdef", "mixture_weights", "sendump"}), trusted=True, unit="dir"),
    Rule("gnubg", "GNU Backgammon neural-network weights", exts=_exts(".weights", ".wd"),
         pattern=re.compile(r"/gnubg[^/]*\Z"), trusted=True),
    Rule("pico", "SVOX Pico TTS language and speaker data", exts=_exts(".bin"),
         pattern=re.compile(r"/pico/lang/[^/]+\Z"), task="text-to-speech", trusted=True),
    Rule("nnue", "NNUE chess/shogi evaluation networks", exts=_exts(".nnue"), trusted=True),
    Rule("flite-voice", "Flite voices", exts=_exts(".flitevox"), task="text-to-speech", trusted=True),
    Rule("rhvoice", "RHVoice voices (HTS-trained statistical parametric voices)", names=frozenset({"voice.info"}),
         pattern=re.compile(r"/RHVoice/voices/[^/]+/voice\.info\Z"), task="text-to-speech", trusted=True, unit="tree"),
    Rule("dlib", "dlib's trained shape predictors and detectors", exts=_exts(".dat", ".bz2"),
         pattern=re.compile(r"/dlib/[^/]*(?:shape_predictor|face_recognition|mmod|detector)[^/]*\Z"), trusted=True),
    # Trained models Debian ships under a generic .model name, found in trixie's Contents by hand.
    Rule("known-model", "trained models Debian ships as .model files: hugin's celeste SVM, disulfinder's "
         "and reprof's networks, tegaki's zinnia handwriting models", exts=_exts(".model"),
         pattern=re.compile(r"(?:/hugin/data/celeste|/disulfinder/Models/[^/]+|/reprof/[^/]+|"
                            r"/tegaki/models/zinnia/[^/]+)\.model\Z"), trusted=True),
    # fastText's binary files start with its magic 793712314 (int32 LE, fasttext.h FASTTEXT_FILEFORMAT_MAGIC_INT32).
    Rule("fasttext", "fastText models (.ftz, confirmed by their magic number)", exts=_exts(".ftz"),
         magic=b"\xba\x16\x4f\x2f"),
    Rule("other-nets", "Caffe and CoreML models", exts=_exts(".caffemodel", ".mlmodel")),
    Rule("model-ext", "any other .model file (a model only when its bytes say so)", exts=_exts(".model")),
)

# A suite's Contents has millions of lines, almost none a candidate: a set lookup sorts out the rest.
_EXTS = frozenset().union(*(r.exts for r in RULES))
_NAMES = frozenset().union(*(r.names for r in RULES))


def match(path: str) -> Rule | None:
    """The first rule matching a Contents path, or None."""
    path = path.lstrip("/")
    base = path.rpartition("/")[2]
    dot = base.rfind(".")
    ext = base[dot:].lower() if dot > 0 else ""
    if ext not in _EXTS and base not in _NAMES:
        return None
    if not path.startswith(("usr/", "opt/")):
        # Models are data under /usr (or /opt); the rest (/etc, /var, /lib/firmware) is not.
        return None
    for rule in RULES:
        if rule.matches(path, base, ext):
            return rule
    return None


def by_name(name: str) -> Rule | None:
    return next((r for r in RULES if r.name == name), None)


# Directories of test data: a model there is a fixture of a test suite (libonnx-testdata's operator
# tests, a parser's sample checkpoints), counted apart from the models a package ships for use.
FIXTURE_PARTS = frozenset({"test", "tests", "testdata", "test-data", "test_data", "testsuite"})


def is_fixture(path: str, package: str) -> bool:
    return package.endswith("-testdata") or not FIXTURE_PARTS.isdisjoint(path.lower().split("/")[:-1])
