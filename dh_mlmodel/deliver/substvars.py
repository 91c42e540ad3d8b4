"""The substvars that tie a model's packages together (spec §5).

`${mlmodel:Depends}`: the package holding weights depends on the model's
tokenizer, config and code packages at the same version (they are built from
the same source, so `= ${binary:Version}` for arch:all is exact).
`${mlmodel:Provides}`: `mlmodel-<name>` from the weights package.
`${mlmodel:Category}`: the policy category, for a maintainer's description.
"""
from __future__ import annotations

from collections import defaultdict
from typing import Iterable

from .split import Placement

# The variables man/dh_mlmodel.1 documents: each is defined (empty where nothing applies) for every
# package dh_mlmodel acts on, so a control file naming one in any package gets no dpkg-gencontrol warning.
DOCUMENTED = ("mlmodel:Category", "mlmodel:Depends", "mlmodel:Provides")

# A package carrying these roles needs the packages carrying the roles listed.
NEEDS = {"weights": ("tokenizer", "config", "code")}


def substvars_for(model: str, placements: Iterable[Placement], category: str | None) -> dict[str, list[tuple[str, str]]]:
    """package -> [(variable, value)], in a stable order."""
    roles_by_pkg: dict[str, set[str]] = defaultdict(set)
    for p in placements:
        roles_by_pkg[p.package].add(p.role)
    pkg_by_role: dict[str, set[str]] = defaultdict(set)
    for pkg, roles in roles_by_pkg.items():
        for role in roles:
            pkg_by_role[role].add(pkg)
    out: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for pkg in sorted(roles_by_pkg):
        roles = roles_by_pkg[pkg]
        for role in sorted(roles):
            for needed in NEEDS.get(role, ()):
                for dep in sorted(pkg_by_role.get(needed, ())):
                    if dep != pkg:
                        out[pkg].append(("mlmodel:Depends", f"{dep} (= ${{binary:Version}})"))
        if "weights" in roles:
            out[pkg].append(("mlmodel:Provides", f"mlmodel-{model}"))
        if category:
            out[pkg].append(("mlmodel:Category", category))
    return dict(out)
