"""`mlmodel init`: a debian/ directory for a model, one idea per module.

- names: package names and upstream versions derived from the model, sanitised;
- escape: the only way a value reaches a rendered file (deb822, YAML, shell, make);
- plan: inspection + policy → what to write (packages, sections, declaration prefill);
- debmake: apt's debmake run as a CLI in a scratch tree, for the skeleton;
- context: the plain values the templates see (descriptions composed here);
- render: the jinja2 templates (templates/debian/*.j2) in a sandbox;
- layout: the source tree (single file → NAME-VERSION/), backups, the orig tarball;
- sections: Section fields moved to the verdict's area once the declaration is filled.
"""
from __future__ import annotations

from ..model import MLModelError


class InitError(MLModelError):
    """`mlmodel init` cannot go on: each module of the package raises a subclass."""
