"""Put model files into debian/PKG/ without copying bytes where a link serves.

A hard link shares the inode with the maintainer's source file, so it is used
only when nothing later in the build can change that inode: the mode is
already 0644 (dh_fixperms would otherwise chmod the source too), and
dh_strip_nondeterminism is told to keep out of usr/share/mlmodel (mlmodel.pm).
Every other case copies, streaming, through a temporary name.
"""
from __future__ import annotations

import errno
import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

from ..model import MLModelError

FILE_MODE = 0o644


class InstallError(MLModelError):
    """A file could not be put into the package tree."""


@dataclass(frozen=True)
class Installed:
    source: Path
    dest: Path
    linked: bool


def _can_link(source: Path) -> bool:
    st = source.stat()
    return stat.S_IMODE(st.st_mode) == FILE_MODE


def install_file(source: Path, dest: Path) -> Installed:
    """Install SOURCE at DEST (mode 0644), replacing what is there."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.mlmodel-tmp")
    if tmp.exists() or tmp.is_symlink():
        tmp.unlink()
    linked = False
    if _can_link(source):
        try:
            os.link(source, tmp, follow_symlinks=True)
            linked = True
        except OSError as exc:
            if exc.errno not in (errno.EXDEV, errno.EPERM, errno.EMLINK, errno.ENOTSUP):
                raise InstallError(source, f"cannot link into {dest.parent}: {exc.strerror}") from None
    if not linked:
        try:
            shutil.copyfile(source, tmp)  # uses copy_file_range/sendfile: no bytes through Python
            os.chmod(tmp, FILE_MODE)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise InstallError(source, f"cannot copy to {dest}: {exc.strerror}") from None
    os.replace(tmp, dest)
    return Installed(source, dest, linked)


class Transaction:
    """Remove what was installed if a later step fails: no half-filled package trees."""

    def __init__(self) -> None:
        self.created_files: list[Path] = []
        self.created_dirs: list[Path] = []

    def mkdirs(self, directory: Path) -> None:
        missing = []
        d = directory
        while not d.exists():
            missing.append(d)
            d = d.parent
        directory.mkdir(parents=True, exist_ok=True)
        self.created_dirs += reversed(missing)

    def install(self, source: Path, dest: Path) -> Installed:
        self.mkdirs(dest.parent)
        existed = dest.exists()
        result = install_file(source, dest)
        if not existed:
            self.created_files.append(dest)
        return result

    def write(self, dest: Path, data: bytes) -> None:
        self.mkdirs(dest.parent)
        existed = dest.exists()
        tmp = dest.with_name(f".{dest.name}.mlmodel-tmp")
        tmp.write_bytes(data)
        os.chmod(tmp, FILE_MODE)
        os.replace(tmp, dest)
        if not existed:
            self.created_files.append(dest)

    def symlink(self, dest: Path, target: str) -> None:
        """DEST -> TARGET (a relative link: the Hub view); a link already there is replaced."""
        self.mkdirs(dest.parent)
        existed = dest.is_symlink()
        if dest.exists() and not existed:
            raise InstallError(dest, "is a file or directory already: the Hub view would replace it")
        tmp = dest.with_name(f".{dest.name}.mlmodel-tmp")
        if tmp.is_symlink() or tmp.exists():
            tmp.unlink()
        os.symlink(target, tmp)
        os.replace(tmp, dest)
        if not existed:
            self.created_files.append(dest)

    def rollback(self) -> None:
        for f in reversed(self.created_files):
            f.unlink(missing_ok=True)
        for d in reversed(self.created_dirs):
            try:
                d.rmdir()
            except OSError:
                pass
