"""The source tree `mlmodel init` works in: where debian/ goes, its backup, the orig tarball.

- A model directory is the source tree: debian/ is created inside it, the
  model declared at `path: .`.
- A single model file gets a source tree of its own, NAME-VERSION/ beside
  it, holding the file (a hard link; a copy across file systems).
- An existing debian/ is never touched without --force; with it, debian/
  is moved to `<tree>.debian.bak-<n>` beside the tree (outside it, so the
  backup is not part of the source package).
- The upstream tarball `NAME_VERSION.orig.tar.gz` beside the tree is made
  reproducibly (sorted members, owner 0/0, one mtime, gzip without name or
  time), streaming each file once.  The Hub publishes no tarballs, so the
  snapshot the maintainer has is the upstream source.  dpkg-source's 3.0
  (quilt) wants .orig.tar.{gz,bz2,lzma,xz}, never a plain .tar, so weights
  that would not pay for compressing (deliver.compression's rule, on a
  sample of the tree) are written at gzip level 0, stored deflate blocks
  that cost a CRC; the rest at level 1.  Level 9 (gzip's default) spent
  tens of seconds on a 90 MB model to save about nothing.
"""
from __future__ import annotations

import gzip
import os
import shutil
import stat
import tarfile
from pathlib import Path

from ..deliver import compression
from . import InitError

VCS_DIRS = frozenset({".git", ".hg", ".svn", ".bzr"})
BACKUP_LIMIT = 1000


class LayoutError(InitError):
    """The source tree cannot be laid out as asked."""


def single_file_tree(model_file: Path, name: str, upstream_version: str) -> Path:
    """NAME-VERSION/ beside `model_file`, holding it under its own name."""
    model_file = Path(model_file)
    tree = model_file.parent / f"{name}-{upstream_version}"
    target = tree / model_file.name
    if tree.exists() and not tree.is_dir():
        raise LayoutError(tree, "exists and is not a directory")
    tree.mkdir(exist_ok=True)
    if target.exists():
        if not os.path.samefile(target, model_file) and not _same_bytes(target, model_file):
            raise LayoutError(target, f"exists and differs from {model_file}")
        return tree
    try:
        os.link(model_file, target)
    except OSError:
        shutil.copy2(model_file, target)
    return tree


def _same_bytes(a: Path, b: Path) -> bool:
    if a.stat().st_size != b.stat().st_size:
        return False
    with open(a, "rb") as fa, open(b, "rb") as fb:
        while True:
            x, y = fa.read(1 << 20), fb.read(1 << 20)
            if x != y:
                return False
            if not x:
                return True


def check_no_debian(tree: Path, force: bool) -> None:
    debian = tree / "debian"
    if (debian.exists() or debian.is_symlink()) and not force:
        raise LayoutError(debian, "already exists; mlmodel init never overwrites it (use --force: the old "
                                  "debian/ is kept as a backup beside the source tree)")


def backup_debian(tree: Path) -> Path | None:
    """Move an existing debian/ to `<tree>.debian.bak-<n>`; the backup's path, or None."""
    debian = tree / "debian"
    if not (debian.exists() or debian.is_symlink()):
        return None
    tree = tree.resolve()
    for n in range(1, BACKUP_LIMIT):
        backup = tree.parent / f"{tree.name}.debian.bak-{n}"
        if not backup.exists() and not backup.is_symlink():
            os.rename(debian, backup)
            return backup
    raise LayoutError(tree, f"{BACKUP_LIMIT} backups of debian/ exist already; remove some")


def restore_debian(tree: Path, backup: Path | None) -> None:
    """Undo: remove the new debian/ and put the backup back (after a failure)."""
    debian = tree / "debian"
    if debian.is_symlink() or debian.is_file():
        debian.unlink()
    elif debian.exists():
        shutil.rmtree(debian)
    if backup is not None:
        os.rename(backup, debian)


def _tree_members(tree: Path) -> list[Path]:
    """Every directory and regular file of the upstream tree, sorted; debian/ and VCS left out."""
    out = []
    for dirpath, dirnames, filenames in os.walk(tree):
        here = Path(dirpath)
        keep = []
        for d in sorted(dirnames):
            if d in VCS_DIRS or (here == tree and d == "debian"):
                continue
            if (here / d).is_symlink():
                raise LayoutError(here / d, "is a symlink: copy the model with its targets (cp -rL) first")
            keep.append(d)
        dirnames[:] = keep
        out += [here / d for d in keep]
        for f in sorted(filenames):
            path = here / f
            mode = os.lstat(path).st_mode
            if stat.S_ISLNK(mode):
                raise LayoutError(path, "is a symlink (a Hugging Face cache snapshot?): copy the model with its "
                                        "targets (cp -rL, or huggingface-cli download --local-dir) first")
            if stat.S_ISREG(mode):
                out.append(path)
    return sorted(out, key=lambda p: p.relative_to(tree).as_posix())


def orig_tarball(tree: Path, name: str, upstream_version: str, epoch: int) -> tuple[Path, bool]:
    """(path of ../NAME_VERSION.orig.tar.gz, whether it was written now); an existing one is kept."""
    tree = Path(tree)
    dest = tree.resolve().parent / f"{name}_{upstream_version}.orig.tar.gz"
    if dest.exists():
        return dest, False
    top = f"{name}-{upstream_version}"
    tmp = dest.with_name(dest.name + ".tmp")
    members = _tree_members(tree)
    level = orig_level([p for p in members if not p.is_dir()])
    try:
        with open(tmp, "wb") as raw, \
                gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=level) as gz, \
                tarfile.TarFile(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT, copybufsize=COPY_BUFFER) as tar:
            tar.addfile(_info(f"{top}", tarfile.DIRTYPE, 0o755, 0, epoch))
            for path in members:
                rel = path.relative_to(tree).as_posix()
                if path.is_dir():
                    tar.addfile(_info(f"{top}/{rel}", tarfile.DIRTYPE, 0o755, 0, epoch))
                    continue
                with open(path, "rb") as fh:
                    size = os.fstat(fh.fileno()).st_size
                    tar.addfile(_info(f"{top}/{rel}", tarfile.REGTYPE, 0o644, size, epoch), fh)
        os.replace(tmp, dest)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return dest, True


COPY_BUFFER = 1 << 20  # tarfile's 16 KiB default makes the level-0 copy slower than the disk


def orig_level(files: list[Path]) -> int:
    """gzip level for the orig tarball: 0 (stored) unless gzip -1 pays on a sample of the files."""
    ratio = compression.sample_ratio(files)
    return 1 if ratio is not None and compression.gzip_pays(ratio) else 0


def _info(name: str, kind: bytes, mode: int, size: int, epoch: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type, info.mode, info.size, info.mtime = kind, mode, size, epoch
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info
