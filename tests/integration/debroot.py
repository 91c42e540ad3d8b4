"""A cached Debian root made with mmdebstrap, and commands run inside it (for tests that need another release).

`ensure_root(suite, packages)` makes /var/tmp/dh-mlmodel-roots/<suite>-<hash of
the package list> once (variant apt plus PACKAGES, from $DH_MLMODEL_MIRROR) and
marks it complete with a stamp file, so a rerun reuses it and an interrupted
one is made anew; making one removes our roots of the same suite for other
package lists.  `run_in_root(root, command)` runs a shell command as root
inside it, in new mount and pid namespaces with /proc and /dev mounted (as
tools/fresh-root does; chroot is enough here, nothing inside needs a user
namespace).  Failing to make the root raises RootUnavailable with the reason:
the caller fails, it does not skip (a test that cannot run fails).
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

ROOTS = Path(os.environ.get("FRESH_ROOT_DIR", "/var/tmp/dh-mlmodel-roots"))
MIRROR = os.environ.get("DH_MLMODEL_MIRROR", "http://deb.debian.org/debian")
STAMP = ".dh-mlmodel-root-complete"


class RootUnavailable(Exception):
    """The root could not be made (not root, no mmdebstrap, mirror out of reach)."""


def host_release() -> str:
    """The host's Debian major release ("12", "13"), "" when it is not Debian."""
    try:
        return Path("/etc/debian_version").read_text().strip().split(".")[0]
    except OSError:
        return ""


def ensure_root(suite: str, packages: list[str]) -> tuple[Path, float]:
    """(the root, seconds spent making it: 0 when it was cached)."""
    key = hashlib.sha256(" ".join([suite, MIRROR, *sorted(packages)]).encode()).hexdigest()[:12]
    root = ROOTS / f"{suite}-{key}"
    if (root / STAMP).is_file():
        return root, 0.0
    if os.geteuid() != 0:
        raise RootUnavailable(f"making a {suite} root with mmdebstrap needs root")
    if not shutil.which("mmdebstrap"):
        raise RootUnavailable("mmdebstrap is not installed (run tools/setup)")
    ROOTS.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(root, ignore_errors=True)
    for stale in ROOTS.glob(f"{suite}-????????????"):  # ours for an older package list: 700 MB each
        if (stale / STAMP).is_file():
            shutil.rmtree(stale, ignore_errors=True)
            stale.with_name(stale.name + ".mmdebstrap.log").unlink(missing_ok=True)
    log = root.with_name(root.name + ".mmdebstrap.log")
    started = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.run(["mmdebstrap", "--quiet", "--variant=apt", f"--include={','.join(sorted(packages))}",
                               suite, str(root), MIRROR], stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode:
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
        shutil.rmtree(root, ignore_errors=True)
        raise RootUnavailable(f"mmdebstrap {suite} failed (exit {proc.returncode}, log {log}): {' | '.join(tail)}")
    (root / STAMP).write_text(" ".join(sorted(packages)) + "\n")
    return root, time.monotonic() - started


IN_ROOT = r'''
root=$1; shift
mount -t proc proc "$root/proc"
mount --rbind /dev "$root/dev"
mount -t tmpfs tmpfs "$root/tmp"
exec chroot "$root" env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"
'''


def run_in_root(root: Path, command: str, timeout: int = 1200) -> subprocess.CompletedProcess:
    """COMMAND (sh -eu -c) as root inside ROOT, its own mount and pid namespaces; output captured."""
    return subprocess.run(["unshare", "--mount", "--pid", "--fork", "--propagation", "private", "sh", "-eu", "-c",
                           IN_ROOT, "in_root", str(root), "sh", "-eu", "-c", command],
                          capture_output=True, text=True, timeout=timeout)
