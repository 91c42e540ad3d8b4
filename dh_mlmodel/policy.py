"""Profiles and the decision table of policy.md §6 (architecture: `decide`).

The table is data: `TABLE` holds one `Row` per rule with a condition over
the Provenance inputs and, for each profile, either a fixed `Outcome` or a
small named function for the cells that depend on further inputs (DI,
toolchain, base).  The rows are evaluated in order; the first whose
condition holds decides.  Then, except under `model-is-source`, the lineage
cap applies: a model is never placed better than its base (main > contrib >
non-free).  Rule 12 (reproducibility) never moves a model; it adds a
warning to a main result.

Sources (the shared policy digest, docs/policy.md of this project, cites
them): S1–S5 Debian Deep Learning Team ML-Policy and its discussion,
S6/S7 GR 2025 Proposal A (withdrawn), S8 Hartman "Choice 2" (withdrawn),
S9 Mahinovs "Choice 3" / OSAID 1.0 (S15) / Ubuntu TB (S18), S12/S13 who
decides (ftpmasters), S14 Debian Policy 2.2 (archive areas).  The fifth column,
`training-inputs-honoured`, reads Thorsten Glaser's counter-proposal (debian-vote
2025-04/05, v2 and v3, resubmitted 2026-02); docs/policy.md §2 quotes it.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Union

from .declaration import DEFAULT_PROFILE, PROFILES, TRAINING_INPUTS_HONOURED as TIH, Declaration, ModelDecl
from .model import Finding, MLModelError, Verdict
from .provenance import BaseInfo, BaseLookup, Provenance, chain_lookups, merge, record_lookup

SECTION_RANK = {"main": 0, "contrib": 1, "non-free": 2}

ALWAYS = ("No Debian-wide decision on AI models exists (the 2025 general resolution, vote_002, was withdrawn "
          "before a vote); this is advice under the named profile, and the ftpmasters decide.")

PROFILE_NAMES = {
    "ml-policy": "Debian Deep Learning Team ML-Policy, strict reading",
    "gr-a": "2025 GR Proposal A (withdrawn 2025-05-08, never voted)",
    "model-is-source": "Hartman's Choice 2, the model as preferred form of modification (withdrawn)",
    "osaid": "OSAID 1.0 as in Mahinovs' Choice 3: training data information as the source",
    TIH: "Glaser's counter-proposal (v3, resubmitted 2026): training inputs legally used and their licences honoured",
}


class PolicyError(MLModelError):
    """An unknown profile name, or models of one declaration that are each other's base."""


@dataclass(frozen=True)
class Outcome:
    category: str  # free | toxic-candy | non-free | reject
    section: str | None
    reason: str


Cell = Union[Outcome, Callable[[Provenance], Outcome]]


@dataclass(frozen=True)
class Row:
    number: int
    condition: str  # as policy.md §6 words it
    applies: Callable[[Provenance], bool]
    cells: Mapping[str, Cell]


# ---------------------------------------------------------------- reason texts (our wording)

R1 = ("the weights' licence is not a known DFSG-free licence: manual review needed; ask debian-legal, "
      "the ftpmasters decide")
R2 = ("Non-free Model: the licence restricts use, modification or distribution (DFSG 3/5/6); non-free, "
      "if redistribution is allowed at all")
R3 = "derived from non-free weights: a derivative cannot be freer than its base"
R_TC = ("ToxicCandy Model: free licence, but the training data is not DFSG-free and publicly available, or the "
        "training program is missing or incomplete; ML-Policy keeps such models out of main")
R_TC_PLACE = ("[placement unverified] ToxicCandy goes to non-free here because contrib also requires DFSG "
              "compliance (Policy 2.2.2), which a model without its source lacks; ML-Policy's own text was not "
              "available to this project")
R6_ML = ("Free Model: DFSG-free licence, DFSG-free training data available to anyone, complete training program "
         "(ML-Policy Free Model conditions 1-3)")
R_GRA = ("Proposal A: a model under a DFSG-compatible licence without its original training data or program is "
         "not DFSG-compliant, so not main; it says nothing about non-free, so non-free is this tool's "
         "conservative reading")
R6_GRA = "Proposal A: original training data and program are both available, so the model is outside its scope"
R_MIS = ("Choice 2: the model itself can be the preferred form of modification when upstream has no more-preferred "
         "form that is private")
R_OSAID = ("Choice 3 / OSAID: complete training data information and complete training code are the source; "
           "raw data is not required. Ubuntu's Technical Board puts such models in multiverse (about non-free)")
R_CONTRIB = ("training or rebuilding needs software outside main (non-free toolchain or training-code licence): "
             "contrib (Policy 2.2.2)")


def _main_or_contrib(p: Provenance, reason: str, *, toolchain_matters: bool = True) -> Outcome:
    """main, or contrib when the (re)build needs non-free software."""
    if p.C_nonfree_toolchain and (toolchain_matters or p.R == "rebuilt"):
        return Outcome("free", "contrib", reason + "; " + R_CONTRIB)
    return Outcome("free", "main", reason)


def _toxic(reason: str) -> Outcome:
    return Outcome("toxic-candy", "non-free", reason)


# -- the conditional cells, one small function each

def _ml_row6(p: Provenance) -> Outcome:
    return _main_or_contrib(p, R6_ML)


def _gra_row6(p: Provenance) -> Outcome:
    # Outside A's scope; only a package build that retrains needs the toolchain.
    return _main_or_contrib(p, R6_GRA, toolchain_matters=False)


def _mis_main(reason: str) -> Callable[[Provenance], Outcome]:
    def cell(p: Provenance) -> Outcome:
        return _main_or_contrib(p, R_MIS + "; " + reason, toolchain_matters=False)
    return cell


def _osaid_row6(p: Provenance) -> Outcome:
    if not p.DI:
        return _toxic(R_OSAID + "; but complete data information is not declared (data-information: true)")
    return _main_or_contrib(p, R_OSAID + "; data and code complete")


def _osaid_row9(p: Provenance) -> Outcome:
    if p.DI and p.C == "free":
        return _main_or_contrib(p, R_OSAID + "; data information and training code are complete, "
                                "so the data's own availability does not decide")
    missing = [w for w, ok in (("data information", p.DI), ("complete training code", p.C == "free")) if not ok]
    return _toxic(R_OSAID + "; missing: " + ", ".join(missing))


def _mis_row8(p: Provenance) -> Outcome:
    in_archive = all(b.package for b in p.B)
    if in_archive and p.B_replaceable:
        return _mis_main("the base is in the archive and replaceable, and the fine-tuning data is published")(p)
    why = [w for w, bad in (("the base is not packaged in Debian", not in_archive),
                            ("the base is not declared replaceable", not p.B_replaceable)) if bad]
    return _toxic(R_MIS + "; but " + " and ".join(why))


def _osaid_row8(p: Provenance) -> Outcome:
    own = _osaid_row6(p)
    base = _worst_base_section(p)
    if base is None:
        return Outcome("reject", None, "OSAID: the result is that of the base, and the base's placement is unknown; "
                                       "declare its category or section, or name its Debian package")
    return _cap(own, base, "the result is that of the base")


def _mis_row11(p: Provenance) -> Outcome:
    if p.C_upstream_fine_tunes:
        return _mis_main("the data no longer exists or cannot be shared, and upstream itself changes the model by "
                         "fine-tuning with the tools provided")(p)
    return _toxic(R_MIS + "; but upstream is not declared to modify the model by fine-tuning "
                          "(training-code: upstream-fine-tunes: true)")


# -- the training-inputs-honoured column (Glaser's counter-proposal, point 1 and the clarifications)

R_TIH_POINT1 = ("Glaser point 1: a model must be trained only from legally obtained and used works and honour all "
                "licences of the works used in training, \"or it is not even acceptable for non-free\"")
R_TIH_NONFREE_AREA = "\"Regarding availability of sources used for training, the normal rules of the non-free archive apply\""
R_TIH_NO_SUCH = ("Glaser: there is no such thing as \"a DFSG-free AI with DFSG-incompatible training data\", as the "
                 "model includes (lossily compressed) the training data")
R_TIH_CONTRIB = ("Glaser: models in contrib \"should only be allowed non-free runtime dependencies, such as special GPU "
                 "drivers, but not compile dependencies\"; training needs software outside main, so not contrib: "
                 "non-free")


def unhonoured_inputs(p: Provenance) -> list[str]:
    """The training inputs that do not show a licence permitting their use, each with why ([] = all do)."""
    from . import licenses

    if p.D == "undeclared":
        return ["the training data is not declared"]
    out = []
    for ds in p.datasets:
        if not ds.license:
            out.append(f"{ds.name}: no licence declared")
        elif licenses.classify(ds.license).status == licenses.UNCLEAR:
            out.append(f"{ds.name}: licence {ds.license} is unclear (manual review)")
    return out


def _reject_unhonoured(p: Provenance) -> Outcome | None:
    bad = unhonoured_inputs(p)
    if not bad:
        return None
    return Outcome("reject", None, R_TIH_POINT1 + "; not shown for: " + "; ".join(bad) + ". Declare each "
                   "input's licence (training-data: license:); the tool cannot see whether the works were legally "
                   "obtained, only that a licence is declared")


def _tih(outcome: Outcome) -> Callable[[Provenance], Outcome]:
    """`outcome` when every training input declares a licence permitting its use; else reject (point 1)."""
    def cell(p: Provenance) -> Outcome:
        return _reject_unhonoured(p) or outcome
    return cell


def _tih_row6(p: Provenance) -> Outcome:
    if p.C_nonfree_toolchain:
        return _toxic(R6_ML + "; " + R_TIH_CONTRIB)
    return Outcome("free", "main", R6_ML + "; and every training input's licence is declared and free "
                                          "(Glaser point 1)")


def _tih_row8(p: Provenance) -> Outcome:
    if any(b.category == "unknown" for b in p.B):
        return Outcome("reject", None, R_TIH_POINT1 + "; the works a base was trained on are works used in training "
                                                      "this model too, and the base's placement is unknown")
    return _reject_unhonoured(p) or _toxic(R_TC + " (the base's training data is training data of this model too); "
                                           + R_TIH_NONFREE_AREA)


# ---------------------------------------------------------------- the table

def _base_all_free(p: Provenance) -> bool:
    return all(b.category == "free" for b in p.B)


TOXIC = _toxic(R_TC + "; " + R_TC_PLACE)
GRA_NONFREE = _toxic(R_GRA)
REJECT_UNDECLARED = Outcome("reject", None, "this profile needs the training data declared: cannot decide until "
                                            "training-data: lists the datasets")
CLASSIC = PROFILES[:4]  # the four profiles whose cells are pinned by tests/test_policy.py

TABLE: tuple[Row, ...] = (
    Row(1, "L=unclear", lambda p: p.L == "unclear", {
        profile: Outcome("reject", None, R1) for profile in PROFILES}),
    Row(2, "L=nonfree", lambda p: p.L == "non-free", {
        **{profile: Outcome("non-free", "non-free", R2) for profile in CLASSIC},
        TIH: _tih(Outcome("non-free", "non-free", R2 + "; Glaser point 1: the model's own licence must allow "
                                                      "distribution"))}),
    Row(3, "base B non-free", lambda p: any(b.category == "non-free" for b in p.B), {
        **{profile: Outcome("non-free", "non-free", R3) for profile in CLASSIC},
        TIH: _tih(Outcome("non-free", "non-free", R3))}),
    Row(4, "D=undeclared", lambda p: p.D == "undeclared", {
        "ml-policy": _toxic(R_TC + " (undeclared training data counts as unavailable); " + R_TC_PLACE),
        "gr-a": GRA_NONFREE,
        "model-is-source": REJECT_UNDECLARED,
        "osaid": REJECT_UNDECLARED,
        TIH: Outcome("reject", None, R_TIH_POINT1 + "; with the training data undeclared, nothing shows it")}),
    Row(5, "C=missing", lambda p: p.C == "missing", {
        "ml-policy": TOXIC,
        "gr-a": _toxic(R_GRA + " (no original training program)"),
        "model-is-source": _toxic(R_MIS + "; but no training or fine-tuning code: no means to modify the model"),
        "osaid": _toxic(R_OSAID + "; but the training code is required and missing"),
        TIH: _tih(_toxic("no training program: the model's source is incomplete, so not main; " + R_TIH_NONFREE_AREA))}),
    Row(6, "D=free-available, C=free, base none or free", lambda p: p.D == "free-available" and p.C == "free" and _base_all_free(p), {
        "ml-policy": _ml_row6, "gr-a": _gra_row6, "model-is-source": _mis_main("data and code are available as well"),
        "osaid": _osaid_row6, TIH: _tih_row6}),
    Row(7, "D=free-available, C=partial", lambda p: p.D == "free-available" and p.C == "partial", {
        "ml-policy": _toxic(R_TC + " (the training program is not complete); " + R_TC_PLACE),
        "gr-a": _toxic(R_GRA + " (the original training program is not complete)"),
        "model-is-source": _mis_main("the original data is published and fine-tuning code is available"),
        "osaid": _toxic(R_OSAID + "; but the training code must be complete"),
        TIH: _tih(_toxic("the training program is not complete: the model's source is incomplete, so not main; "
                         + R_TIH_NONFREE_AREA))}),
    Row(8, "row 6, but base ToxicCandy / not in main", lambda p: p.D == "free-available" and p.C == "free", {
        "ml-policy": _toxic(R_TC + " (the base's training data is training data of this model too); " + R_TC_PLACE),
        "gr-a": _toxic(R_GRA + " (the base's training data or program is missing)"),
        "model-is-source": _mis_row8,
        "osaid": _osaid_row8, TIH: _tih_row8}),
    Row(9, "D=available-nonfree", lambda p: p.D == "available-nonfree", {
        "ml-policy": TOXIC,
        "gr-a": _toxic(R_GRA + " (whether public non-free data counts as proprietary is not said)"),
        "model-is-source": _toxic("unclear under this profile: Choice 2 does not address public but non-free data; "
                                  "non-free by default"),
        "osaid": _osaid_row9,
        TIH: _tih(_toxic(R_TIH_NO_SUCH + "; " + R_TIH_NONFREE_AREA))}),
    Row(10, "D=unavailable, D_withheld=yes", lambda p: p.D == "unavailable" and p.D_withheld, {
        "ml-policy": TOXIC,
        "gr-a": _toxic(R_GRA + " (the training data is private)"),
        "model-is-source": _toxic(R_MIS + "; but upstream keeps a more-preferred form (the data) private"),
        "osaid": _osaid_row9,
        TIH: _tih(_toxic("the training data is withheld: the model's source is not available, so not main; "
                         + R_TIH_NONFREE_AREA))}),
    Row(11, "D=unavailable, D_withheld=no", lambda p: p.D == "unavailable" and not p.D_withheld, {
        "ml-policy": TOXIC,
        "gr-a": _toxic(R_GRA + " (the training data is not available)"),
        "model-is-source": _mis_row11,
        "osaid": _osaid_row9,
        TIH: _tih(_toxic("the training data no longer exists or cannot be shared: the model's source is not "
                         "available, so not main; " + R_TIH_NONFREE_AREA))}),
)

R12_WARNING = ("rule 12: the model is not declared reproducible (reproducible: {R}); ML-Policy asks that a Free "
               "Model be numerically reproducible or retrainable to similar quality. The placement is kept.")


# ---------------------------------------------------------------- decide

def _worst_base_section(p: Provenance) -> str | None:
    """The worst section among the bases; None when one of them has no known section."""
    worst = "main"
    for b in p.B:
        if b.section is None:
            return None
        if SECTION_RANK[b.section] > SECTION_RANK[worst]:
            worst = b.section
    return worst


def _cap(outcome: Outcome, base_section: str | None, why: str) -> Outcome:
    """`outcome`, moved down to the base's section when the base is placed worse."""
    if outcome.section is None:
        return outcome
    limit = base_section if base_section is not None else "non-free"
    if SECTION_RANK[outcome.section] >= SECTION_RANK[limit]:
        return outcome
    category = outcome.category if limit == "contrib" else "toxic-candy"
    where = f"the base is in {limit}" if base_section else "the base's placement is unknown"
    return Outcome(category, limit, f"{outcome.reason}; lineage cap ({why}): {where}, and a fine-tune is never "
                                    "placed better than its base")


def _first_row(p: Provenance) -> Row:
    for row in TABLE:
        if row.applies(p):
            return row
    raise AssertionError("the decision table covers every combination of inputs")  # rows 9-11 exhaust D


def _describe_inputs(p: Provenance) -> str:
    bases = ", ".join(f"{b.name} ({b.category}, {b.section or 'section unknown'}, from {b.source})" for b in p.B) or "none"
    from .declaration import safe_field_value

    return safe_field_value(
        f"inputs: L={p.L} ({p.license or 'no licence'} from {p.license_source}), D={p.D}"
        f"{' (withheld)' if p.D == 'unavailable' and p.D_withheld else ''}, DI={'yes' if p.DI else 'no'}, C={p.C}"
        f"{' (non-free toolchain)' if p.C_nonfree_toolchain else ''}, R={p.R}, B={bases}, G={'yes' if p.G else 'no'}")


def _notes(p: Provenance, profile: str, outcome: Outcome) -> list[str]:
    out = []
    if outcome.section == "non-free":
        out.append("a package in main may at most Suggest: a package in non-free (Policy 2.2.1)")
    if profile == TIH:
        out += _tih_notes(p, outcome)
    elif p.G:
        out.append("generative model: no source makes this change the placement; Glaser's counter-proposal holds "
                   "that generated output is at most as free as the model")
    if p.G:
        if profile == "ml-policy":
            out.append("ML-Policy's 2019 draft asks to discuss models used for critical tasks (authentication, "
                       "program execution, physical manipulation) on debian-devel first")
    return out


def _tih_notes(p: Provenance, outcome: Outcome) -> list[str]:
    """What `generative` means under training-inputs-honoured: never the placement, always a note."""
    notes = ["Glaser point 1: debian/copyright must include the copyright notices of all training inputs, except "
             "inputs already separately packaged; dh_mlmodel checks the notices declared (training-data: copyright:)"]
    if p.G:
        where = outcome.section or "not placed"
        notes.append("generative model (placement unchanged): \"Any work resulting from generative use of a model can "
                     "at most be as free as the model itself\" (Glaser v2/v3); this model is " + where
                     + ("; e.g. programming with it assisting prevents the result from entering main"
                        if where != "main" else ""))
    else:
        notes.append("not declared generative (placement unchanged): point 1 applies to every model; Glaser (2026-02) "
                     "notes that training for analytic use falls under the TDM copyright exception unless opted out, "
                     "which the tool cannot check, so it asks for the licences all the same")
    return notes


def _training_inputs(p: Provenance) -> list[dict[str, Any]]:
    """The declared training inputs as the record carries them, for `mlmodel lint`'s notice check."""
    return [{"name": ds.name, "license": ds.license, "copyright": list(ds.copyright), "package": ds.package}
            for ds in p.datasets]


def decide(provenance: Provenance, profile: str = DEFAULT_PROFILE) -> Verdict:
    """The category and section of one model under `profile`, with the rule, inputs and reasons."""
    if profile not in PROFILES:
        raise PolicyError(None, f"unknown policy profile {profile!r} (known: {', '.join(PROFILES)})")
    p = provenance
    row = _first_row(p)
    cell = row.cells[profile]
    outcome = cell(p) if callable(cell) else cell
    if profile != "model-is-source" and p.B and row.number not in (1, 2, 3):
        outcome = _cap(outcome, _worst_base_section(p), "lineage")
    reasons = [f"rule {row.number} ({row.condition}) under {profile} [{PROFILE_NAMES[profile]}]: {outcome.reason}",
               _describe_inputs(p)]
    reasons += [safe_note for safe_note in _safe(p.notes)]
    reasons += [safe_note for safe_note in _safe(p.license_reason.split("\n")[:1]) if p.L != "free" or row.number == 1]
    findings = []
    if outcome.section == "main" and p.R in ("no", "unknown"):
        reasons.append(R12_WARNING.format(R=p.R))
        findings.append(Finding("mlmodel-not-reproducible", "warning", R12_WARNING.format(R=p.R)))
    reasons += _notes(p, profile, outcome)
    reasons.append(ALWAYS)
    inputs = dict(p.inputs(), profile=profile)
    if profile == TIH:
        inputs["training_inputs"] = _training_inputs(p)
    return Verdict(model=p.model, category=outcome.category, section=outcome.section, profile=profile,
                   rule=row.number, reasons=tuple(reasons), inputs=inputs, findings=tuple(findings))


def decide_models(declaration: Declaration, report_for: Callable[[ModelDecl], Any], profile: str | None = None, *,
                  base_lookup: BaseLookup | None = None,
                  package_metadata: Callable[[ModelDecl], Iterable[Path]] | None = None,
                  identify_texts: bool = False,
                  ) -> dict[str, tuple[Verdict, Provenance]]:
    """Verdict and provenance of every model of a declaration, in declaration order.

    A base named by another model of the same declaration is decided first
    (recursively, under the same profile) and its verdict is the base's
    category and section.  Other bases go to `base_lookup` (default: the
    installed dh-mlmodel records, provenance.record_lookup).  `report_for`
    returns a model's ModelReport (or None); `package_metadata` the
    METADATA / PKG-INFO / package.json files to compare licences with.
    """
    profile = profile or declaration.policy
    fallback = base_lookup if base_lookup is not None else record_lookup()
    done: dict[str, tuple[Verdict, Provenance]] = {}

    def sibling(base) -> BaseInfo | None:
        if base.name and base.name in done:
            v = done[base.name][0]
            category = "unknown" if v.category == "reject" else v.category
            return BaseInfo(base.name, category, v.section, base.package, base.replaceable,
                            f"model {base.name} of this declaration (rule {v.rule})")
        return None

    def visit(m: ModelDecl, stack: tuple[str, ...]) -> None:
        if m.name in done:
            return
        if m.name in stack:
            raise PolicyError(declaration.path, f"line {m.line}: models form a base-model cycle: "
                                                + " -> ".join(stack + (m.name,)))
        for base in m.base_models:
            other = declaration.model(base.name) if base.name else None
            if other is not None:
                visit(other, stack + (m.name,))
        metadata = tuple(package_metadata(m)) if package_metadata is not None else ()
        prov = merge(m, report_for(m), base_lookup=chain_lookups(sibling, fallback), package_metadata=metadata,
                     identify_texts=identify_texts)
        done[m.name] = (decide(prov, profile), prov)

    for m in declaration.models:
        visit(m, ())
    return {m.name: done[m.name] for m in declaration.models}


def _safe(lines) -> list[str]:
    from .declaration import safe_field_value

    return [safe_field_value(line) for line in lines if line]


# ---------------------------------------------------------------- section check

def area_of(section: str) -> str:
    """The archive area of a Section value: `contrib/science` → contrib, `science` → main."""
    section = (section or "").strip()
    return section.split("/", 1)[0] if "/" in section else "main"


def short_reason(verdict: Verdict) -> str:
    """The rule and the first clause of its reason, for one-line messages."""
    first = verdict.reasons[0] if verdict.reasons else ""
    text = first.split("]: ", 1)[-1].split(";", 1)[0]
    return f"rule {verdict.rule}: {text}"


def section_findings(verdict: Verdict, section_by_package: Mapping[str, str]) -> list[Finding]:
    """Error findings where a Section puts the model in a better area than the verdict allows.

    `section_by_package` maps a binary package (or "<source> (source)") to its
    Section field; "" means no Section, which is the main area.  A Section in
    a *worse* area than the verdict (a free model in non-free) is allowed: a
    warning says main would do.  A rejected verdict is one error.
    """
    why = short_reason(verdict)
    if verdict.category == "reject" or verdict.section is None:
        return [Finding("mlmodel-policy-reject", "error",
                        f"model {verdict.model} cannot be placed automatically under {verdict.profile} ({why}); "
                        "declare the missing inputs or ask the ftpmasters")]
    out = []
    for package, section in sorted(section_by_package.items()):
        area = area_of(section)
        shown = f"Section: {section}" if section else "no Section (main)"
        if area not in SECTION_RANK:
            out.append(Finding("mlmodel-section-mismatch", "error",
                               f"{package}: {shown} is in the {area} area, which is not for models; "
                               f"{verdict.profile} places model {verdict.model} in {verdict.section} ({why})"))
        elif SECTION_RANK[area] < SECTION_RANK[verdict.section]:
            out.append(Finding("mlmodel-section-mismatch", "error",
                               f"{package}: {shown} is in {area}, but {verdict.profile} places model {verdict.model} "
                               f"({verdict.category}) in {verdict.section}; use {_suggest(section, verdict.section)} "
                               f"({why})"))
        elif SECTION_RANK[area] > SECTION_RANK[verdict.section]:
            out.append(Finding("mlmodel-section-stricter", "warning",
                               f"{package}: {shown} is in {area}; {verdict.profile} would allow {verdict.section} "
                               f"for model {verdict.model} ({why})"))
    return out


def _suggest(section: str, area: str) -> str:
    plain = section.split("/", 1)[-1] if section else "misc"
    return f"Section: {plain}" if area == "main" else f"Section: {area}/{plain}"
