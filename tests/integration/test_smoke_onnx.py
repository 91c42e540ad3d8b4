"""Debian 13: a corpus ONNX model packaged, installed, and its generated autopkgtest run with python3-onnxruntime.

basic-pitch's nmp.onnx (Apache-2.0, 230 KB) is built into a package with
dpkg-buildpackage, installed with dpkg, and every Test-Command that `mlmodel
autopkgtest --update` wrote to debian/tests/control runs: both pass.  The same
model with its graph broken after the fact (a node reading a tensor nobody
makes; an output declared one column wider than the graph computes) is built
the same way, so the package record's sha256 matches the broken bytes: `mlmodel
verify` passes and `mlmodel smoke` fails.  Debian 12 has no python3-onnxruntime:
there all of it runs inside a Debian 13 root made with mmdebstrap and cached
under /var/tmp/dh-mlmodel-roots (debroot.py); on a Debian 13 host, on the host.
A root that cannot be made is a skip, which CI=true turns into a failure (the last
test shows it).  DH_MLMODEL_SMOKE_IN_ROOT=1 uses the root on a Debian 13 host too.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from debian.deb822 import Deb822

from conftest import TOP, intree_env, needs_debhelper
from corpus_fixture import corpus  # noqa: F401  (the fixture)
from debroot import RootUnavailable, ensure_root, host_release, run_in_root
from sources import finish_source, make_source, mlmodel

pytestmark = [pytest.mark.integration, pytest.mark.corpus, pytest.mark.chroot, needs_debhelper]
onnx = pytest.importorskip("onnx")  # writes the broken graphs (tests/requirements.txt)

NMP = "basic_pitch/saved_models/icassp_2022/nmp.onnx"
ROOT_PACKAGES = ["debhelper", "dpkg-dev", "fakeroot", "python3-debian", "python3-yaml", "python3-jinja2",
                 "python3-numpy", "python3-onnxruntime"]
TREE = ("bin", "dh_mlmodel", "perl", "templates")  # what runs dh_mlmodel and mlmodel from a copy of the checkout


def declaration(name: str) -> str:
    return f"""format: 1
models:
  - name: {name}
    path: model
    license: Apache-2.0
    copyright: "2022 Spotify AB"
    upstream: {{url: "https://github.com/spotify/basic-pitch"}}
    training-data:
      - name: basic-pitch training sets
        license: CC-BY-4.0
        availability: public
        url: "https://github.com/spotify/basic-pitch"
    training-code:
      url: "https://github.com/spotify/basic-pitch"
      license: Apache-2.0
      completeness: complete
"""


def missing_input(model) -> str:
    model.graph.node[0].input[1] = "no_such_tensor"
    return "a node reads a tensor no node makes"


def wrong_output_shape(model) -> str:
    out = next(o for o in model.graph.output if o.name == "StatefulPartitionedCall:0")
    out.type.tensor_type.shape.dim[2].dim_value += 1  # 264 -> 265: declared, not computed
    return "an output declared one column wider than computed"


CASES = {"nmp": None, "nmp-missing-input": missing_input, "nmp-wrong-shape": wrong_output_shape}


def source_package(work: Path, name: str, original: Path, breakage) -> Path:
    src = make_source(work, name, [(name, "science")], declaration(name))
    weights = src / "model/nmp.onnx"
    weights.parent.mkdir(parents=True)
    if breakage is None:
        shutil.copyfile(original, weights)
    else:
        model = onnx.load(str(original))
        breakage(model)
        onnx.save(model, str(weights))
    finish_source(src)
    mlmodel("autopkgtest", "--update", ".", cwd=src)
    return src


def control_tests(src: Path) -> list[tuple[str, str]]:
    """(Test-Command, Restrictions) of each paragraph of debian/tests/control."""
    with open(src / "debian/tests/control", encoding="utf-8") as f:
        return [(p["Test-Command"], p.get("Restrictions", "")) for p in Deb822.iter_paragraphs(f) if "Test-Command" in p]


class Place:
    """Where the packages are built and installed: the Debian 13 host itself, or a Debian 13 root."""

    def __init__(self, tmp_path: Path):
        self.on_host = host_release() == "13" and os.environ.get("DH_MLMODEL_SMOKE_IN_ROOT") != "1"
        self.root = None
        if self.on_host:
            self.work, self.inside, self.tree = tmp_path, tmp_path, TOP
            return
        try:
            self.root, self.made_in = ensure_root("trixie", ROOT_PACKAGES)
        except RootUnavailable as exc:
            pytest.skip(f"no Debian 13 root for the ONNX smoke test: {exc}")
        self.inside = Path("/root/smoke-test")
        self.work = self.root / "root/smoke-test"
        shutil.rmtree(self.work, ignore_errors=True)
        self.tree = self.work / "dh-mlmodel"
        for part in TREE:
            shutil.copytree(TOP / part, self.tree / part, ignore=shutil.ignore_patterns("__pycache__"))

    def run(self, command: str) -> subprocess.CompletedProcess:
        env_tree = self.inside / "dh-mlmodel" if self.root else TOP
        prefix = (f"export PATH={env_tree}/bin:$PATH PERL5LIB={env_tree}/perl SOURCE_DATE_EPOCH=1764158400; "
                  "unset PYTHONPATH; ")
        if self.root:
            return run_in_root(self.root, prefix + command)
        return subprocess.run(["sh", "-eu", "-c", prefix + command], capture_output=True, text=True,
                              env=intree_env())

    def cleanup(self, packages: list[str]) -> None:
        if packages:
            self.run(f"dpkg --purge {' '.join(packages)} >/dev/null 2>&1 || true")
        if self.root:
            shutil.rmtree(self.work, ignore_errors=True)


@pytest.mark.skipif(os.geteuid() != 0, reason="installing the packages needs root (CI runs as root)")
def test_generated_autopkgtest_runs_onnx_models_with_debian_onnxruntime(tmp_path, corpus):  # noqa: F811
    original = corpus / "basic-pitch" / NMP
    place = Place(tmp_path)
    started = time.monotonic()
    sources = {name: source_package(place.work, name, original, breakage) for name, breakage in CASES.items()}
    try:
        build = " && ".join(f"(cd {place.inside / s.name} && dpkg-buildpackage -us -uc -b -d >../{s.name}.log 2>&1)"
                            for s in sources.values())
        built = place.run(f"{build} && dpkg -i {place.inside}/*.deb")
        logs = "".join((place.work / f"{s.name}.log").read_text(errors="replace")[-3000:] for s in sources.values()
                       if (place.work / f"{s.name}.log").exists())
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:] + logs
        outcome = {}
        for name, src in sources.items():
            commands = control_tests(src)
            assert [c.split()[:2] for c, _ in commands] == [["mlmodel", "verify"], ["mlmodel", "smoke"]]
            assert "skippable" in commands[1][1]
            deps = Deb822((src / "debian/tests/control").read_text().split("\n\n")[1])["Depends"]
            assert deps == f"dh-mlmodel, {name}, python3-numpy, python3-onnxruntime"
            outcome[name] = [place.run(c) for c, _ in commands]
        verify, smoke = outcome["nmp"]
        assert verify.returncode == 0 and smoke.returncode == 0, verify.stdout + smoke.stdout + smoke.stderr
        assert "nmp: nmp: ok: nmp.onnx: onnxruntime 1." in smoke.stdout
        assert "StatefulPartitionedCall:0[1, 172, 264]" in smoke.stdout
        for broken in ("nmp-missing-input", "nmp-wrong-shape"):
            verify, smoke = outcome[broken]
            # the record was made from the broken bytes: the hash check passes, the load does not
            assert verify.returncode == 0, verify.stdout
            assert "0 problem(s)" in verify.stdout
            assert smoke.returncode == 1, smoke.stdout + smoke.stderr
            assert f"{broken}: {broken}: failed: nmp.onnx: " in smoke.stdout
        assert "onnxruntime cannot load it" in outcome["nmp-missing-input"][1].stdout
        assert ("output 'StatefulPartitionedCall:0' has shape [1, 172, 264], declared ['unk__752', 172, 265]"
                in outcome["nmp-wrong-shape"][1].stdout)
    finally:
        place.cleanup(list(sources))
    print(f"\nsmoke-onnx: {'host' if place.on_host else f'root made in {place.made_in:.0f} s'}, "
          f"builds and tests {time.monotonic() - started:.0f} s")


# Every ONNX model of the corpus, installed as a package would install it: what the synthesised inputs run.
# silero VAD v5/v6 choose their branch by the sample rate `sr` (16000 or 8000) and a 1 does not run:
# an input whose value carries meaning is beyond a signature (docs/smoke.md).
CORPUS_ONNX = {"akiki": "ok", "basic-pitch": "ok", "rapidocr-onnxruntime": "ok",
               "npm-vad-web": {"silero_vad_legacy.onnx": "ok", "silero_vad_v5.onnx": "failed",
                               "silero_vad_v6.onnx": "failed"}}


@pytest.mark.skipif(os.geteuid() != 0, reason="running in the Debian 13 root needs root (CI runs as root)")
def test_corpus_onnx_models_run_on_synthesised_inputs(tmp_path, corpus):  # noqa: F811
    place = Place(tmp_path)
    root = place.work / "sys"
    expected = {}
    for case, outcome in CORPUS_ONNX.items():
        for i, path in enumerate(sorted((corpus / case).rglob("*.onnx"))):
            model = f"{case}-{i}"
            target = root / "usr/share/mlmodel" / model
            (target / ".mlmodel").mkdir(parents=True)
            shutil.copyfile(path, target / path.name)
            (target / ".mlmodel/corpus.json").write_text(json.dumps({"model": model, "package": "corpus", "files": [
                {"path": f"usr/share/mlmodel/{model}/{path.name}", "role": "weights", "format": "onnx"}]}))
            expected[model] = outcome if isinstance(outcome, str) else outcome[path.name]
    try:
        proc = place.run(f"mlmodel smoke --root {place.inside / 'sys'} corpus")
    finally:
        place.cleanup([])
    got = {line.split(": ")[1]: line.split(": ")[2] for line in proc.stdout.splitlines()}
    assert got == expected, proc.stdout
    assert proc.returncode == 1
    assert proc.stdout.count("the forward pass on inputs synthesised from its signature failed") == 2


@pytest.mark.skipif(os.geteuid() != 0, reason="making a root needs root (CI runs as root)")
def test_a_root_that_cannot_be_made_fails_under_ci(tmp_path, corpus):  # noqa: F811
    corpus / "basic-pitch"  # fetched here, so that the run below fails for the root and nothing else
    env = dict(os.environ, CI="true", DH_MLMODEL_SMOKE_IN_ROOT="1", FRESH_ROOT_DIR=str(tmp_path / "roots"),
               DH_MLMODEL_MIRROR="http://127.0.0.1:9/debian")
    env.pop("DH_MLMODEL_ALLOW_SKIP", None)
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rfEs", "-p", "no:cacheprovider", f"{__file__}::"
                           "test_generated_autopkgtest_runs_onnx_models_with_debian_onnxruntime"],
                          cwd=Path(__file__).parent.parent, env=env, capture_output=True, text=True)
    assert proc.returncode == 1, proc.stdout[-3000:]
    assert "1 failed" in proc.stdout and " skipped" not in proc.stdout
    assert "no Debian 13 root for the ONNX smoke test: mmdebstrap trixie failed" in proc.stdout
