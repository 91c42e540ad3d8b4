"""The values the templates see, made from an InitPlan.

Only plain data (str, bool, lists, dicts) goes in: the sandbox and the
escaping filters do the rest.  Descriptions are composed here from our own
words and the few model facts that passed plan's one-word checks.
"""
from __future__ import annotations

import email.utils
import time
from typing import Any

from .. import licenses
from .plan import BinaryPlan, InitPlan, part_label

STANDARDS_VERSION = "4.6.2"  # Debian 12's debian-policy
INSTALL_ROOT = "/usr/share/mlmodel"


def _formats_phrase(formats: tuple[str, ...]) -> str:
    return ", ".join(formats) if formats else "no weights"


def _summary(plan: InitPlan) -> str:
    what = "a machine-learning model"
    if plan.pipeline_tag:
        what += f" for {plan.pipeline_tag.replace('-', ' ')}"
    if plan.architecture:
        what += f" ({plan.architecture} architecture)"
    return f"{plan.source} is {what}, shipped as {_formats_phrase(plan.formats)}."


def _part_paragraph(plan: InitPlan, pkg: BinaryPlan) -> str:
    where = f"{INSTALL_ROOT}/{plan.source}/"
    if pkg.part == "weights":
        return f"This package holds the weights ({_formats_phrase(plan.formats)}) and the configuration, under {where}."
    if pkg.part in ("safetensors", "gguf", "onnx"):
        return f"This package holds the weights in {pkg.part} format, under {where}."
    if pkg.part == "tokenizer":
        return f"This package holds the tokenizer files, under {where}."
    if pkg.part == "code":
        return (f"This package holds the Python code shipped with the model (modelling code a loader may import), "
                f"under {where}. Read it before letting a loader run it.")
    return "This package holds the model card and the other documentation of the model."


def _package(plan: InitPlan, pkg: BinaryPlan) -> dict[str, Any]:
    return {
        "name": pkg.name, "section": pkg.section, "weights": pkg.carries_weights,
        "synopsis": f"machine-learning model {plan.source} ({part_label(pkg.part)})",
        "body": [_summary(plan), _part_paragraph(plan, pkg)],
    }


def verdict_comment(plan: InitPlan) -> str:
    v = plan.verdict
    placed = f"{v.category} in {v.section}" if v.section else "not placeable yet (reject)"
    return f"{plan.source_section} proposed by mlmodel init ({v.profile} rule {v.rule}: {placed}); see mlmodel classify"


# debian/* is licensed like the model when the model's licence is free and known; else CC0-1.0.
DEFAULT_DEBIAN_LICENSE = "CC0-1.0"
CC0_TEXT = ('On Debian systems, the complete text of the CC0 1.0 Universal licence can be found in '
            '"/usr/share/common-licenses/CC0-1.0".')


def debian_license(plan: InitPlan) -> tuple[str, str | None]:
    """(DEP-5 name for debian/*, standalone licence text to add, or None when mlmodel copyright writes it)."""
    if plan.license is not None and licenses.is_free(plan.license.text):
        name = licenses.dep5_name(plan.license.text)
        if name:
            return name, None
    return DEFAULT_DEBIAN_LICENSE, CC0_TEXT


def _watch(plan: InitPlan) -> dict[str, str] | None:
    w = plan.watch
    if w is None:
        return None
    return {"kind": w.kind, "opts": w.opts, "page": w.page, "pattern": w.pattern, "source": w.source,
            "project": w.project}


def template_context(plan: InitPlan, *, maintainer: str, epoch: int, origin: str, settled: bool,
                     license_note: str = "", autopkgtest: bool = False) -> dict[str, Any]:
    orig_name = f"{plan.source}_{plan.upstream_version}.orig.tar.gz"
    readme_title = f"{plan.source} for Debian: the upstream source"
    return {
        "source": plan.source, "version": plan.version, "upstream_version": plan.upstream_version,
        "maintainer": maintainer, "date": email.utils.formatdate(epoch).replace("-0000", "+0000"),
        "standards_version": STANDARDS_VERSION, "source_section": plan.source_section,
        "watch": _watch(plan), "homepage": plan.upstream_url, "upstream_url": plan.upstream_url, "hub_id": plan.hub_id,
        "packages": [_package(plan, b) for b in plan.binaries],
        "verdict_comment": verdict_comment(plan), "origin": origin, "orig_name": orig_name,
        "underline": "-" * len(readme_title), "settled": settled, "autopkgtest": autopkgtest,
        "year": time.strftime("%Y", time.gmtime(epoch)),
        "debian_license": debian_license(plan)[0], "debian_license_text": debian_license(plan)[1],
        "model": {
            "name": plan.source, "exclude": list(plan.exclude), "upstream_url": plan.upstream_url,
            "license": {"text": plan.license.text, "source": plan.license.source} if plan.license else None,
            "license_note": license_note, "license_sources": list(plan.license_sources),
            "datasets": [{"text": d.text, "source": d.source} for d in plan.datasets],
            "bases": [{"text": b.text, "source": b.source} for b in plan.bases],
            # (indent, text): the comment filter would strip the YAML indentation
            "pickle_allow": [(len(line) - len(line.lstrip()), line.lstrip())
                             for line in (plan.pickle_allow or "").splitlines()],
        },
    }
