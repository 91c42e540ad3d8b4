"""Shared fixtures: the checkout, in-tree tool environment, real package builds."""
from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

TOP = Path(__file__).resolve().parent.parent
DEMO = TOP / "examples" / "demo"

try:
    from hypothesis import settings as _hypothesis_settings
except ImportError:
    pass
else:
    # The same examples on every run: CI and the package build must not go red by chance.  The
    # random search runs in bench/inspect_fuzz.py; HYPOTHESIS_PROFILE=explore randomises the suite.
    _hypothesis_settings.register_profile("ci", derandomize=True, database=None)
    _hypothesis_settings.register_profile("explore", derandomize=False)
    _hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


# A test that cannot run fails (the project brief): under CI=true, and in tools/check (which sets
# DH_MLMODEL_STRICT=1), a skip -- a corpus case, a chroot, a command or a module that is not there --
# is reported as a failure with its reason.  DH_MLMODEL_ALLOW_SKIP=1 is the one opt-out (working
# offline, not as root, on a machine without tools/setup): skips stay skips, and tools/check lists them.
STRICT = (os.environ.get("CI", "").lower() in ("1", "true", "yes") or os.environ.get("DH_MLMODEL_STRICT") == "1")
ALLOW_SKIP = os.environ.get("DH_MLMODEL_ALLOW_SKIP", "") not in ("", "0")
STRICT_HINT = ("a test that cannot run fails under CI=true and in tools/check: run tools/setup, "
               "or set DH_MLMODEL_ALLOW_SKIP=1 to skip on purpose")


def _skip_reason(longrepr) -> str:
    return longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)


class _CannotRun:
    """The failure a strict run reports for a skip: the reason, in the report and in the short summary."""

    def __init__(self, reason: str) -> None:
        self.text = f"{reason} ({STRICT_HINT})"
        self.reprcrash = type("ReprCrash", (), {"message": reason})()

    def toterminal(self, tw) -> None:
        tw.line(self.text)

    def __str__(self) -> str:
        return self.text


def _fail_skip(report) -> None:
    if STRICT and not ALLOW_SKIP and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = _CannotRun(_skip_reason(report.longrepr))


def pytest_configure(config):
    if STRICT and not ALLOW_SKIP:
        # A module that skips itself (pytest.importorskip at the top) becomes a collection error:
        # reported with its reason, while every other module still runs.
        config.option.continue_on_collection_errors = True


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _fail_skip(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _fail_skip(outcome.get_result())


def intree_env(extra: dict | None = None) -> dict:
    """The environment in which dh finds the checkout's dh_mlmodel and add-on."""
    env = dict(os.environ)
    env["PATH"] = f"{TOP / 'bin'}:{env.get('PATH', '')}"
    env["PERL5LIB"] = f"{TOP / 'perl'}" + (f":{env['PERL5LIB']}" if env.get("PERL5LIB") else "")
    for var in ("DH_VERBOSE", "DH_QUIET", "DH_NO_ACT", "DH_OPTIONS", "DH_INTERNAL_OPTIONS", "DEB_BUILD_OPTIONS",
                "PYTHONPATH"):
        env.pop(var, None)
    env.setdefault("SOURCE_DATE_EPOCH", "1764158400")
    env.update(extra or {})
    return env


def copy_source(src: Path, dest_parent: Path, dirname: str) -> Path:
    dest = dest_parent / dirname
    shutil.copytree(src, dest, symlinks=True)
    return dest


def dpkg_buildpackage(srcdir: Path, *args: str, env: dict | None = None, check: bool = True):
    """Build with the real dpkg-buildpackage; -d because the in-tree add-on stands in for dh-sequence-mlmodel."""
    proc = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-d", *args], cwd=srcdir,
                          env=env or intree_env(), capture_output=True, text=True)
    if check and proc.returncode != 0:
        raise AssertionError(f"dpkg-buildpackage failed ({proc.returncode}):\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}")
    return proc


def deb_files(deb: Path) -> dict[str, tuple[str, int]]:
    """path -> (mode string, size) of the regular files in a .deb."""
    out = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    files = {}
    for line in out.splitlines():
        parts = line.split(None, 5)
        if parts[0].startswith("-"):
            files[parts[5].removeprefix("./")] = (parts[0], int(parts[2]))
    return files


def deb_extract(deb: Path, dest: Path) -> Path:
    subprocess.run(["dpkg-deb", "-x", str(deb), str(dest)], check=True)
    return dest


def have(*commands: str) -> bool:
    return all(shutil.which(c) for c in commands)


needs_debhelper = pytest.mark.skipif(not have("dpkg-buildpackage", "dh", "fakeroot"),
                                     reason="debhelper/dpkg-dev/fakeroot not installed (run tools/setup)")


@pytest.fixture
def demo_source(tmp_path: Path) -> Path:
    return copy_source(DEMO, tmp_path, "demo-embed-1.0")


class Cost:
    """What a block of code allocated (tracemalloc peak) and read (the kernel's rchar), not how long it took.

    Tests assert "the claim was not allocated" and "the data was skipped, not
    read" with these counts; time is for bench/ (a loaded CI machine makes
    any wall-clock bound flaky).
    """

    def __enter__(self) -> "Cost":
        import tracemalloc
        self._was_tracing = tracemalloc.is_tracing()
        if not self._was_tracing:
            tracemalloc.start()
        tracemalloc.reset_peak()
        self._base = tracemalloc.get_traced_memory()[0]
        self._rchar = _rchar()
        return self

    def __exit__(self, *exc) -> None:
        import tracemalloc
        self.peak = tracemalloc.get_traced_memory()[1] - self._base
        if not self._was_tracing:
            tracemalloc.stop()
        after = _rchar()
        self.read = None if after is None or self._rchar is None else after - self._rchar


def _rchar() -> int | None:
    """Bytes this process has read through read(2) and friends (/proc/self/io), None where not available."""
    try:
        with open("/proc/self/io", encoding="ascii") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("rchar:"))
    except (OSError, StopIteration, ValueError):
        return None
