"""Build chroots for the sbuild and pbuilder tests, cached between runs.

Both are made for the host's own Debian suite (bookworm on Debian 12, trixie
on 13) from the Debian mirror, written under a temporary name and renamed, so
an interrupted run never leaves a half chroot in the cache.  Run this file to
warm the cache: `python3 tests/integration/chroots.py`.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

CACHE = Path(os.environ.get("DH_MLMODEL_CHROOT_CACHE", "/var/cache/dh-mlmodel/chroots"))
MIRROR = os.environ.get("DH_MLMODEL_MIRROR", "http://deb.debian.org/debian")
# What the demo's build needs besides build-essential, plus dh-mlmodel's own Depends,
# preinstalled so that each build only installs our .deb.
EXTRA = ("debhelper", "python3", "python3-debian", "python3-yaml", "python3-jinja2")
SUBID_LINE = "root:100000:65536"


def host_suite() -> str:
    fields = dict(line.rstrip("\n").split("=", 1) for line in Path("/etc/os-release").read_text().splitlines()
                  if "=" in line)
    return fields.get("VERSION_CODENAME", "").strip('"') or "bookworm"


def host_arch() -> str:
    return subprocess.run(["dpkg", "--print-architecture"], capture_output=True, text=True, check=True).stdout.strip()


def mirror_reachable(suite: str, timeout: float = 15) -> bool:
    try:
        with urllib.request.urlopen(f"{MIRROR}/dists/{suite}/Release", timeout=timeout) as resp:
            return resp.status == 200
    except OSError:
        return False


def ensure_subids() -> None:
    """sbuild's unshare mode needs a subordinate id range for root (docs/integration.md)."""
    for name in ("/etc/subuid", "/etc/subgid"):
        path = Path(name)
        lines = path.read_text().splitlines() if path.exists() else []
        if not any(line.startswith("root:") for line in lines):
            with open(path, "a") as fh:
                fh.write(SUBID_LINE + "\n")


def _cached(target: Path, make) -> Path:
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name("partial." + target.name)  # the extension tells mmdebstrap the format
    make(partial)
    partial.rename(target)
    return target


def sbuild_tarball(suite: str | None = None) -> Path:
    suite = suite or host_suite()
    target = CACHE / f"{suite}-{host_arch()}.tar.zst"

    def make(out: Path) -> None:
        subprocess.run(["mmdebstrap", "--quiet", "--variant=buildd", "--format=tar",
                        "--include=" + ",".join(EXTRA), suite, str(out), MIRROR],
                       check=True, stdin=subprocess.DEVNULL)
    return _cached(target, make)


def pbuilder_base(suite: str | None = None) -> Path:
    suite = suite or host_suite()
    target = CACHE / f"pbuilder-{suite}-{host_arch()}.tgz"

    def make(out: Path) -> None:
        work = CACHE / "pbuilder-work"
        shutil.rmtree(work, ignore_errors=True)
        (work / "build").mkdir(parents=True)
        (work / "aptcache").mkdir()
        subprocess.run(["pbuilder", "create", "--distribution", suite, "--mirror", MIRROR, "--basetgz", str(out),
                        "--buildplace", str(work / "build"), "--aptcache", str(work / "aptcache"),
                        "--extrapackages", " ".join(EXTRA)],
                       check=True, stdin=subprocess.DEVNULL, capture_output=True)
        shutil.rmtree(work, ignore_errors=True)
    return _cached(target, make)


def usable_suite(commands: tuple[str, ...], root_reason: str) -> str:
    """The host's suite for a chroot build, or a pytest skip: not root, a command missing, the mirror unreachable.

    The skip is a failure with that reason under CI=true and in tools/check (tests/conftest.py).
    """
    import pytest

    if os.geteuid() != 0:
        pytest.skip(root_reason)
    missing = [c for c in commands if shutil.which(c) is None]
    if missing:
        pytest.skip(f"not installed: {', '.join(missing)} (run tools/setup)")
    suite = host_suite()
    if not mirror_reachable(suite):
        pytest.skip(f"the Debian mirror {MIRROR} cannot be reached for {suite}")
    return suite


def tracked_tree(top: Path, dest: Path) -> Path:
    """The checkout's files as git sees them (tracked and new, not ignored)."""
    names = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "-z"], cwd=top, capture_output=True,
                           check=True).stdout.decode().split("\0")
    for name in filter(None, names):
        src = top / name
        if src.is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / name)
    return dest


def system_env() -> dict:
    """The environment with none of this checkout's tools on it: only what is installed."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DH_", "DEB_", "PERL5LIB", "PYTHON"))}
    env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
    return env


def build_own_deb(top: Path, work: Path, *, run_tests: bool = False) -> tuple[Path, str]:
    """dh-mlmodel's .deb from this checkout and the build's output (unit tests only when RUN_TESTS)."""
    src = tracked_tree(top, work / "dh-mlmodel-0.1.0")
    env = system_env()
    if not run_tests:
        env["DEB_BUILD_OPTIONS"] = "nocheck"
    proc = subprocess.run(["dpkg-buildpackage", "-us", "-uc", "-b"], cwd=src, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(proc.stdout[-3000:] + proc.stderr[-3000:])
    (deb,) = work.glob("dh-mlmodel_*_all.deb")
    return deb, proc.stdout


LFS_POINTER = ("version https://git-lfs.github.com/spec/v1\n"
               "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n")
# What mlmodel lint says of that pointer in the demo's weights package.
LFS_LINE = ("E: demo-embed: lfs-pointer-instead-of-model Git LFS pointer (12345 bytes) where the file itself should be; "
            "fetch it with git lfs pull [usr/share/mlmodel/demo-embed/extra.safetensors]")
PLANTED_RULES = """
override_dh_mlmodel:
\tdh_mlmodel --warn-only=lfs-pointer-instead-of-model
"""


def demo_dsc(demo: Path, work: Path, *, planted: bool) -> Path:
    """The demo as a source package; `planted` adds a Git LFS pointer that dh_mlmodel is told to let through."""
    work.mkdir(parents=True, exist_ok=True)
    src = work / "demo-embed-1.0"
    shutil.copytree(demo, src)
    if planted:
        (src / "model" / "extra.safetensors").write_text(LFS_POINTER)
        with open(src / "debian" / "rules", "a") as fh:
            fh.write(PLANTED_RULES)
    subprocess.run(["dpkg-source", "-b", src.name], cwd=work, check=True, capture_output=True)
    return work / "demo-embed_1.0.dsc"


if __name__ == "__main__":
    which = sys.argv[1:] or ["sbuild", "pbuilder"]
    if "sbuild" in which:
        print(sbuild_tarball())
    if "pbuilder" in which:
        print(pbuilder_base())
