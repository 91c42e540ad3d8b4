"""DEBIAN/md5sums lines for the model files, from dh_mlmodel's single read.

dh_md5sums would read every weight file again to compute what dh_mlmodel
already computed while hashing it.  When the add-on runs dh_mlmodel_builddeb
it tells dh_md5sums to leave usr/share/mlmodel/ out (-X), and
dh_mlmodel_builddeb adds these lines back, in dh_md5sums' own format (md5sum's
output, sorted by path), before dpkg-deb builds the package.  A file under
usr/share/mlmodel/ that dh_mlmodel did not install gets its md5 computed
there, so the list is always complete.
"""
from __future__ import annotations

from pathlib import Path

from ..hashing import md5_file

GENERATED = "mlmodel-md5sums"
MODEL_ROOT = "usr/share/mlmodel"


def line(md5: str, path: str) -> str:
    return f"{md5}  {path}\n"


def generated_path(package: str) -> Path:
    return Path("debian/.debhelper/generated") / package / GENERATED


def _parse(text: str) -> dict[str, str]:
    out = {}
    for row in text.splitlines():
        md5, sep, path = row.partition("  ")
        if sep:
            out[path] = md5
    return out


def complete(package_root: Path, package: str) -> int:
    """Add the model files' lines to PACKAGE_ROOT/DEBIAN/md5sums; returns how many were added.

    Leaves a package alone when dh_md5sums did not write the file (the
    maintainer skipped it) or already listed the files (no -X in effect).
    """
    target = package_root / "DEBIAN/md5sums"
    if not target.is_file():
        return 0
    listed = _parse(target.read_text(encoding="utf-8"))
    ours = _parse(generated_path(package).read_text(encoding="utf-8")) if generated_path(package).is_file() else {}
    added = {}
    model_root = package_root / MODEL_ROOT
    for path in sorted(model_root.rglob("*")) if model_root.is_dir() else ():
        rel = path.relative_to(package_root).as_posix()
        if path.is_file() and not path.is_symlink() and rel not in listed:
            added[rel] = ours.get(rel) or md5_file(path)
    if added:
        merged = listed | added
        target.write_text("".join(line(merged[p], p) for p in sorted(merged)), encoding="utf-8")
    return len(added)
