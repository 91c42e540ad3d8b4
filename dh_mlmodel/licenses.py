"""Licence knowledge base: Hugging Face ids and SPDX expressions → DFSG status.

The table is data: one row per licence, with the Hugging Face id (formats.md
§6 lists the 83 the Hub accepts), the SPDX id (or a LicenseRef- name for
licences SPDX does not list), the DEP-5 short name for debian/copyright, the
status and a one-line reason.  Rows marked [policy §7] follow the licence
table of the project's policy digest (shared docs/policy.md §7, which cites
ftp-master's DFSG licence notes, wiki.debian.org/DFSGLicenses, debian-legal
and the licence texts).  Rows marked [I] are this project's own reading of a
licence that digest does not cover; docs/policy.md lists them for review.

Status is advice, never a ruling: ftpmasters decide (debian.org/legal/licenses).
Anything not in the table (`other`, `unknown`, an unknown LicenseRef-, free
text) is `unclear`: it is never placed in main without a maintainer's
declaration and a human reading the licence.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

FREE, NON_FREE, UNCLEAR = "free", "non-free", "unclear"
STATUSES = (FREE, NON_FREE, UNCLEAR)


@dataclass(frozen=True)
class LicenseInfo:
    """One row of the table."""

    hf_id: str | None  # the Hugging Face `license:` id, None when the Hub has none
    spdx: str  # SPDX id or LicenseRef-…
    dep5: str | None  # DEP-5 short name; None when the id does not say which licence (family ids)
    status: str  # free | non-free | unclear
    reason: str
    ambiguous: bool = False  # a family id or a version without only/or-later


@dataclass(frozen=True)
class LicenseStatus:
    """The DFSG status of a licence expression, with why."""

    expression: str  # as given
    status: str
    reason: str
    notes: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()  # the SPDX ids (or LicenseRefs) the expression names


# Reasons, worded for this project (sources in the module docstring and docs/policy.md).
_R_APACHE = "Apache-2.0 is a common DFSG-free licence in main [policy §7]"
_R_PERMISSIVE = "permissive licence; DFSG-free (DFSG 10 names BSD as an example) [policy §7]"
_R_COPYLEFT = "copyleft licence listed as DFSG-free; for weights, ask what 'source' means [policy §7]"
_R_CC0 = "public-domain dedication, common in main [policy §7]"
_R_CCBY = "CC BY / BY-SA 3.0 and 4.0 are listed as DFSG-compatible on wiki.debian.org/DFSGLicenses [policy §7]"
_R_CCBY_OLD = "CC BY 2.x: older Creative Commons versions were disputed on debian-legal; manual review [policy §7]"
_R_NC = "no commercial use: discriminates against a field of endeavour (DFSG 6) [policy §7]"
_R_ND = "no derivative works allowed (DFSG 3) [policy §7]"
_R_DATA = "data licence with no Debian review found; manual review [policy §7]"
_R_CDLA_P = "permissive data licence, likely free but not reviewed by Debian; manual review [policy §7]"
_R_OPENMDW = "new permissive model licence, likely free but not reviewed by Debian; manual review [policy §7]"
_R_RAIL = ("RAIL licence: use restrictions (DFSG 6) that must be passed on downstream, and the licensor may "
           "restrict use remotely [policy §7]")
_R_LLAMA = ("Llama community licence: acceptable-use policy (DFSG 6), a separate licence above a user-count "
            "threshold (DFSG 5), limits on using outputs; Fedora does not allow it [policy §7]")
_R_GEMMA = ("Gemma terms: prohibited-use policy (DFSG 6) passed on downstream, remote restriction of use; "
            "check each release, some later ones are Apache-2.0 [policy §7]")
_R_RESEARCH = "research-only or non-commercial terms (DFSG 6) [policy §7]"
_R_RESEARCH_I = "research-only or non-commercial terms (DFSG 6) [I: licence text not reviewed here]"
_R_UNKNOWN = "no licence named: read license_name / license_link / LICENSE; never placed in main automatically [policy §7]"
_R_FAMILY = "family id that names no single licence or version; declare the exact SPDX id"
_R_FREE_I = "[I] widely used DFSG-free licence in main, not in the policy digest's table"
_R_UNCLEAR_I = "[I] not reviewed by Debian as far as we know; manual review"

# The Hugging Face ids of formats.md §6 (83), each with its SPDX id, DEP-5 name and status.
LICENSES: tuple[LicenseInfo, ...] = (
    LicenseInfo("apache-2.0", "Apache-2.0", "Apache-2.0", FREE, _R_APACHE),
    LicenseInfo("mit", "MIT", "Expat", FREE, _R_PERMISSIVE),
    LicenseInfo("openrail", "LicenseRef-OpenRAIL", None, NON_FREE, _R_RAIL, ambiguous=True),
    LicenseInfo("bigscience-openrail-m", "LicenseRef-BigScience-OpenRAIL-M", "BigScience-OpenRAIL-M", NON_FREE, _R_RAIL),
    LicenseInfo("creativeml-openrail-m", "LicenseRef-CreativeML-OpenRAIL-M", "CreativeML-OpenRAIL-M", NON_FREE, _R_RAIL),
    LicenseInfo("bigscience-bloom-rail-1.0", "LicenseRef-BigScience-BLOOM-RAIL-1.0", "BigScience-BLOOM-RAIL-1.0", NON_FREE,
                "BLOOM RAIL 1.0: the same use-restriction structure as OpenRAIL (DFSG 6) [policy §7]"),
    LicenseInfo("bigcode-openrail-m", "LicenseRef-BigCode-OpenRAIL-M", "BigCode-OpenRAIL-M", NON_FREE, _R_RAIL),
    LicenseInfo("afl-3.0", "AFL-3.0", "AFL-3.0", UNCLEAR,
                "[I] Academic Free License: debian-legal questioned its broad patent-termination clause; manual review"),
    LicenseInfo("artistic-2.0", "Artistic-2.0", "Artistic-2.0", FREE, _R_FREE_I),
    LicenseInfo("bsl-1.0", "BSL-1.0", "BSL-1.0", FREE, _R_PERMISSIVE),
    LicenseInfo("bsd", "LicenseRef-BSD", None, FREE,
                "[I] every BSD variant is DFSG-free, but the id does not say which one: " + _R_FAMILY, ambiguous=True),
    LicenseInfo("bsd-2-clause", "BSD-2-Clause", "BSD-2-clause", FREE, _R_PERMISSIVE),
    LicenseInfo("bsd-3-clause", "BSD-3-Clause", "BSD-3-clause", FREE, _R_PERMISSIVE),
    LicenseInfo("bsd-3-clause-clear", "BSD-3-Clause-Clear", "BSD-3-clause-clear", FREE,
                "[I] BSD-3-Clause without a patent grant; permissive, DFSG-free"),
    LicenseInfo("c-uda", "LicenseRef-C-UDA-1.0", "C-UDA-1.0", UNCLEAR,
                "Computational Use of Data Agreement: terms limited to computational use; manual review [policy §7]"),
    LicenseInfo("cc", "LicenseRef-CC", None, UNCLEAR,
                "some Creative Commons licences are free, NC and ND ones are not: " + _R_FAMILY, ambiguous=True),
    LicenseInfo("cc0-1.0", "CC0-1.0", "CC0-1.0", FREE, _R_CC0),
    LicenseInfo("cc-by-2.0", "CC-BY-2.0", "CC-BY-2.0", UNCLEAR, _R_CCBY_OLD),
    LicenseInfo("cc-by-2.5", "CC-BY-2.5", "CC-BY-2.5", UNCLEAR, _R_CCBY_OLD),
    LicenseInfo("cc-by-3.0", "CC-BY-3.0", "CC-BY-3.0", FREE, _R_CCBY),
    LicenseInfo("cc-by-4.0", "CC-BY-4.0", "CC-BY-4.0", FREE, _R_CCBY),
    LicenseInfo("cc-by-sa-3.0", "CC-BY-SA-3.0", "CC-BY-SA-3.0", FREE, _R_CCBY),
    LicenseInfo("cc-by-sa-4.0", "CC-BY-SA-4.0", "CC-BY-SA-4.0", FREE, _R_CCBY),
    LicenseInfo("cc-by-nc-2.0", "CC-BY-NC-2.0", "CC-BY-NC-2.0", NON_FREE, _R_NC),
    LicenseInfo("cc-by-nc-3.0", "CC-BY-NC-3.0", "CC-BY-NC-3.0", NON_FREE, _R_NC),
    LicenseInfo("cc-by-nc-4.0", "CC-BY-NC-4.0", "CC-BY-NC-4.0", NON_FREE, _R_NC),
    LicenseInfo("cc-by-nd-4.0", "CC-BY-ND-4.0", "CC-BY-ND-4.0", NON_FREE, _R_ND),
    LicenseInfo("cc-by-nc-nd-3.0", "CC-BY-NC-ND-3.0", "CC-BY-NC-ND-3.0", NON_FREE, _R_ND + "; " + _R_NC),
    LicenseInfo("cc-by-nc-nd-4.0", "CC-BY-NC-ND-4.0", "CC-BY-NC-ND-4.0", NON_FREE, _R_ND + "; " + _R_NC),
    LicenseInfo("cc-by-nc-sa-2.0", "CC-BY-NC-SA-2.0", "CC-BY-NC-SA-2.0", NON_FREE, _R_NC),
    LicenseInfo("cc-by-nc-sa-3.0", "CC-BY-NC-SA-3.0", "CC-BY-NC-SA-3.0", NON_FREE, _R_NC),
    LicenseInfo("cc-by-nc-sa-4.0", "CC-BY-NC-SA-4.0", "CC-BY-NC-SA-4.0", NON_FREE, _R_NC),
    LicenseInfo("cdla-sharing-1.0", "CDLA-Sharing-1.0", "CDLA-Sharing-1.0", UNCLEAR, _R_DATA),
    LicenseInfo("cdla-permissive-1.0", "CDLA-Permissive-1.0", "CDLA-Permissive-1.0", UNCLEAR, _R_CDLA_P),
    LicenseInfo("cdla-permissive-2.0", "CDLA-Permissive-2.0", "CDLA-Permissive-2.0", UNCLEAR, _R_CDLA_P),
    LicenseInfo("wtfpl", "WTFPL", "WTFPL", FREE, _R_FREE_I),
    LicenseInfo("ecl-2.0", "ECL-2.0", "ECL-2.0", FREE, "[I] Educational Community License 2.0 is Apache-2.0 with small changes; DFSG-free"),
    LicenseInfo("epl-1.0", "EPL-1.0", "EPL-1.0", FREE, _R_FREE_I),
    LicenseInfo("epl-2.0", "EPL-2.0", "EPL-2.0", FREE, _R_FREE_I),
    LicenseInfo("etalab-2.0", "etalab-2.0", "etalab-2.0", UNCLEAR, _R_UNCLEAR_I),
    LicenseInfo("eupl-1.1", "EUPL-1.1", "EUPL-1.1", FREE, _R_FREE_I),
    LicenseInfo("eupl-1.2", "EUPL-1.2", "EUPL-1.2", FREE, _R_FREE_I),
    LicenseInfo("agpl-3.0", "AGPL-3.0", "AGPL-3", FREE, _R_COPYLEFT + "; only or or-later? check the notice", ambiguous=True),
    LicenseInfo("gfdl", "LicenseRef-GFDL", None, UNCLEAR,
                "GFDL is DFSG-free only without invariant sections (Debian GR 2006-001): " + _R_FAMILY, ambiguous=True),
    LicenseInfo("gpl", "LicenseRef-GPL", None, FREE,
                "[I] every GPL version is DFSG-free, but the id does not say which one: " + _R_FAMILY, ambiguous=True),
    LicenseInfo("gpl-2.0", "GPL-2.0", "GPL-2", FREE, _R_COPYLEFT + "; only or or-later? check the notice", ambiguous=True),
    LicenseInfo("gpl-3.0", "GPL-3.0", "GPL-3", FREE, _R_COPYLEFT + "; only or or-later? check the notice", ambiguous=True),
    LicenseInfo("lgpl", "LicenseRef-LGPL", None, FREE,
                "[I] every LGPL version is DFSG-free, but the id does not say which one: " + _R_FAMILY, ambiguous=True),
    LicenseInfo("lgpl-2.1", "LGPL-2.1", "LGPL-2.1", FREE, _R_COPYLEFT + "; only or or-later? check the notice", ambiguous=True),
    LicenseInfo("lgpl-3.0", "LGPL-3.0", "LGPL-3", FREE, _R_COPYLEFT + "; only or or-later? check the notice", ambiguous=True),
    LicenseInfo("isc", "ISC", "ISC", FREE, _R_PERMISSIVE),
    LicenseInfo("h-research", "LicenseRef-H-Research", "H-Research", NON_FREE, _R_RESEARCH_I),
    LicenseInfo("intel-research", "LicenseRef-Intel-Research", "Intel-Research", NON_FREE, _R_RESEARCH_I),
    LicenseInfo("lppl-1.3c", "LPPL-1.3c", "LPPL-1.3c", FREE, "[I] LaTeX Project Public License 1.3c; TeX Live ships it in main"),
    LicenseInfo("ms-pl", "MS-PL", "MS-PL", FREE, "[I] Microsoft Public License: permissive with a patent clause; DFSG-free"),
    LicenseInfo("apple-ascl", "LicenseRef-Apple-ASCL", "Apple-ASCL", UNCLEAR, _R_UNCLEAR_I),
    LicenseInfo("apple-amlr", "LicenseRef-Apple-AMLR", "Apple-AMLR", NON_FREE, _R_RESEARCH_I),
    LicenseInfo("mpl-2.0", "MPL-2.0", "MPL-2.0", FREE, _R_COPYLEFT),
    LicenseInfo("odc-by", "ODC-By-1.0", "ODC-By-1.0", UNCLEAR, _R_DATA),
    LicenseInfo("odbl", "ODbL-1.0", "ODbL-1.0", UNCLEAR, _R_DATA),
    LicenseInfo("openmdw-1.0", "LicenseRef-OpenMDW-1.0", "OpenMDW-1.0", UNCLEAR, _R_OPENMDW),
    LicenseInfo("openmdw-1.1", "LicenseRef-OpenMDW-1.1", "OpenMDW-1.1", UNCLEAR, _R_OPENMDW),
    LicenseInfo("openrail++", "LicenseRef-OpenRAIL++-M", "OpenRAIL++-M", NON_FREE, _R_RAIL),
    LicenseInfo("osl-3.0", "OSL-3.0", "OSL-3.0", UNCLEAR,
                "[I] Open Software License: debian-legal questioned its patent and deployment clauses; manual review"),
    LicenseInfo("postgresql", "PostgreSQL", "PostgreSQL", FREE, _R_FREE_I),
    LicenseInfo("ofl-1.1", "OFL-1.1", "OFL-1.1", FREE, "[I] SIL Open Font License 1.1; fonts under it are in main"),
    LicenseInfo("ncsa", "NCSA", "NCSA", FREE, _R_FREE_I),
    LicenseInfo("unlicense", "Unlicense", "Unlicense", FREE, _R_FREE_I),
    LicenseInfo("zlib", "Zlib", "Zlib", FREE, _R_PERMISSIVE),
    LicenseInfo("pddl", "PDDL-1.0", "PDDL-1.0", UNCLEAR, _R_DATA),
    LicenseInfo("lgpl-lr", "LGPLLR", "LGPLLR", FREE, "[I] LGPL with a preamble for Lisp; as free as the LGPL"),
    LicenseInfo("deepfloyd-if-license", "LicenseRef-DeepFloyd-IF", "DeepFloyd-IF", NON_FREE, _R_RESEARCH),
    LicenseInfo("fair-noncommercial-research-license", "LicenseRef-FAIR-Noncommercial-Research", "FAIR-Noncommercial-Research",
                NON_FREE, _R_RESEARCH),
    LicenseInfo("llama2", "LicenseRef-Llama-2-Community", "Llama-2-Community", NON_FREE, _R_LLAMA),
    LicenseInfo("llama3", "LicenseRef-Llama-3-Community", "Llama-3-Community", NON_FREE, _R_LLAMA),
    LicenseInfo("llama3.1", "LicenseRef-Llama-3.1-Community", "Llama-3.1-Community", NON_FREE, _R_LLAMA),
    LicenseInfo("llama3.2", "LicenseRef-Llama-3.2-Community", "Llama-3.2-Community", NON_FREE, _R_LLAMA),
    LicenseInfo("llama3.3", "LicenseRef-Llama-3.3-Community", "Llama-3.3-Community", NON_FREE, _R_LLAMA),
    LicenseInfo("llama4", "LicenseRef-Llama-4-Community", "Llama-4-Community", NON_FREE, _R_LLAMA),
    LicenseInfo("grok2-community", "LicenseRef-Grok-2-Community", "Grok-2-Community", NON_FREE,
                "[I] community licence with use restrictions like the Llama ones (DFSG 5/6); text not reviewed here"),
    LicenseInfo("gemma", "LicenseRef-Gemma", "Gemma", NON_FREE, _R_GEMMA),
    LicenseInfo("unknown", "NOASSERTION", None, UNCLEAR, _R_UNKNOWN),
    LicenseInfo("other", "LicenseRef-Other", None, UNCLEAR, _R_UNKNOWN),
)

# SPDX ids with no Hugging Face id of their own (versions with only/or-later, variants).
SPDX_ONLY: tuple[LicenseInfo, ...] = (
    LicenseInfo(None, "GPL-2.0-only", "GPL-2", FREE, _R_COPYLEFT),
    LicenseInfo(None, "GPL-2.0-or-later", "GPL-2+", FREE, _R_COPYLEFT),
    LicenseInfo(None, "GPL-3.0-only", "GPL-3", FREE, _R_COPYLEFT),
    LicenseInfo(None, "GPL-3.0-or-later", "GPL-3+", FREE, _R_COPYLEFT),
    LicenseInfo(None, "LGPL-2.1-only", "LGPL-2.1", FREE, _R_COPYLEFT),
    LicenseInfo(None, "LGPL-2.1-or-later", "LGPL-2.1+", FREE, _R_COPYLEFT),
    LicenseInfo(None, "LGPL-3.0-only", "LGPL-3", FREE, _R_COPYLEFT),
    LicenseInfo(None, "LGPL-3.0-or-later", "LGPL-3+", FREE, _R_COPYLEFT),
    LicenseInfo(None, "AGPL-3.0-only", "AGPL-3", FREE, _R_COPYLEFT),
    LicenseInfo(None, "AGPL-3.0-or-later", "AGPL-3+", FREE, _R_COPYLEFT),
    LicenseInfo(None, "BSD-4-Clause", "BSD-4-clause", FREE, "[I] original BSD licence with the advertising clause; DFSG-free"),
    LicenseInfo(None, "0BSD", "0BSD", FREE, _R_FREE_I),
    LicenseInfo(None, "Python-2.0", "PSF-2", FREE, _R_FREE_I),
    LicenseInfo(None, "CC-BY-SA-2.0", "CC-BY-SA-2.0", UNCLEAR, _R_CCBY_OLD),
    LicenseInfo(None, "CC-BY-SA-2.5", "CC-BY-SA-2.5", UNCLEAR, _R_CCBY_OLD),
    LicenseInfo(None, "CC-BY-ND-3.0", "CC-BY-ND-3.0", NON_FREE, _R_ND),
    LicenseInfo(None, "CC-BY-NC-2.5", "CC-BY-NC-2.5", NON_FREE, _R_NC),
    LicenseInfo(None, "CC-BY-NC-SA-2.5", "CC-BY-NC-SA-2.5", NON_FREE, _R_NC),
    LicenseInfo(None, "CC-BY-NC-ND-2.5", "CC-BY-NC-ND-2.5", NON_FREE, _R_ND + "; " + _R_NC),
    LicenseInfo(None, "OpenRAIL-M", "OpenRAIL-M", NON_FREE, _R_RAIL),  # current SPDX list has these two
    LicenseInfo(None, "CreativeML-OpenRAIL-M", "CreativeML-OpenRAIL-M", NON_FREE, _R_RAIL),
    # Licences Debian's own copyright files name by DEP-5 short name (corpus: festvox, sentencepiece's Botchan text).
    LicenseInfo(None, "LicenseRef-EST-2000", "EST-2000", FREE,
                "[I] Edinburgh Speech Tools / CMU permissive licence; festival and its voices are in main"),
    LicenseInfo(None, "LicenseRef-EST-2003", "EST-2003", FREE,
                "[I] Edinburgh Speech Tools / CMU permissive licence (modifications marked); festival voices are in main"),
    LicenseInfo(None, "LicenseRef-Public-Domain", "public-domain", FREE,
                "[I] public-domain work: no licence is needed, but check the claim holds where Debian distributes"),
)

_BY_SPDX: dict[str, LicenseInfo] = {}
_BY_HF: dict[str, LicenseInfo] = {}
_BY_DEP5: dict[str, LicenseInfo] = {}
for _row in LICENSES + SPDX_ONLY:
    _BY_SPDX.setdefault(_row.spdx.lower(), _row)
    if _row.hf_id:
        _BY_HF[_row.hf_id] = _row
    if _row.dep5 and not _row.ambiguous:
        _BY_DEP5.setdefault(_row.dep5.lower(), _row)

# Aliases seen in model cards, wheel metadata and DEP-5 files.
_ALIASES = {
    "expat": "MIT", "public domain": "LicenseRef-Public-Domain", "apache 2.0": "Apache-2.0", "apache-2": "Apache-2.0", "apache license 2.0": "Apache-2.0",
    "apache software license": "Apache-2.0", "apache license, version 2.0": "Apache-2.0", "mit license": "MIT",
    "bsd-2-clause-simplified": "BSD-2-Clause", "gpl-2": "GPL-2.0-only", "gpl-2+": "GPL-2.0-or-later",
    "gpl-3": "GPL-3.0-only", "gpl-3+": "GPL-3.0-or-later", "lgpl-2.1+": "LGPL-2.1-or-later",
    "lgpl-3": "LGPL-3.0-only", "lgpl-3+": "LGPL-3.0-or-later", "isc license": "ISC", "cc-by-sa-4": "CC-BY-SA-4.0",
}

# SPDX exceptions (`WITH`) only ever add permissions, so they never change the status of the licence.
KNOWN_EXCEPTIONS = frozenset(e.lower() for e in (
    "Classpath-exception-2.0", "GCC-exception-3.1", "LLVM-exception", "Autoconf-exception-3.0",
    "Bison-exception-2.2", "Font-exception-2.0", "OpenJDK-assembly-exception-1.0", "389-exception",
))


def lookup(license_id: str) -> LicenseInfo | None:
    """The table row for one licence id: an HF id, an SPDX id (any case), a known alias or a DEP-5 short name."""
    key = license_id.strip()
    low = key.lower()
    if low in _BY_HF:
        return _BY_HF[low]
    if low in _BY_SPDX:
        return _BY_SPDX[low]
    alias = _ALIASES.get(low)
    if alias and alias.lower() in _BY_SPDX:
        return _BY_SPDX[alias.lower()]
    return _BY_DEP5.get(low)


def spdx_id(license_id: str) -> str | None:
    """The SPDX id (or LicenseRef-) for an HF or SPDX id; None when unknown."""
    row = lookup(license_id)
    return row.spdx if row else None


def dep5_name(license_id: str) -> str | None:
    """The DEP-5 short name for debian/copyright (mit → Expat); None for unknown and family ids."""
    row = lookup(license_id)
    return row.dep5 if row else None


# ---------------------------------------------------------------- expressions

_TOKEN = re.compile(r"\s*(\(|\)|[A-Za-z0-9][A-Za-z0-9.:+_-]*)")


class _Syntax(ValueError):
    pass


def _tokens(text: str) -> list[str]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise _Syntax(f"unexpected {text[pos:].strip()[:20]!r}")
        out.append(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    return out


class _Parser:
    """SPDX license-expression grammar (SPDX spec annex D): OR binds loosest, then AND, then WITH."""

    def __init__(self, tokens: list[str]):
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> str:
        tok = self.peek()
        if tok is None:
            raise _Syntax("expression ends too early")
        self.pos += 1
        return tok

    def parse(self):
        node = self.or_expr()
        if self.peek() is not None:
            raise _Syntax(f"unexpected {self.peek()!r}")
        return node

    def or_expr(self):
        items = [self.and_expr()]
        while (self.peek() or "").upper() == "OR":
            self.take()
            items.append(self.and_expr())
        return ("OR", items) if len(items) > 1 else items[0]

    def and_expr(self):
        items = [self.with_expr()]
        while (self.peek() or "").upper() == "AND":
            self.take()
            items.append(self.with_expr())
        return ("AND", items) if len(items) > 1 else items[0]

    def with_expr(self):
        base = self.atom()
        if (self.peek() or "").upper() == "WITH":
            self.take()
            exc = self.take()
            if exc in ("(", ")") or exc.upper() in ("AND", "OR", "WITH"):
                raise _Syntax("WITH needs an exception id")
            return ("WITH", base, exc)
        return base

    def atom(self):
        tok = self.take()
        if tok == "(":
            node = self.or_expr()
            if self.take() != ")":
                raise _Syntax("missing ')'")
            return node
        if tok == ")" or tok.upper() in ("AND", "OR", "WITH"):
            raise _Syntax(f"unexpected {tok!r}")
        return ("ID", tok)


def _classify_id(token: str) -> LicenseStatus:
    row = lookup(token)
    or_later = False
    if row is None and token.endswith("+"):
        row, or_later = lookup(token[:-1]), True
    if row is None:
        if token.lower().startswith("licenseref-"):
            return LicenseStatus(token, UNCLEAR, f"{token}: a licence this project does not know; manual review", ids=(token,))
        return LicenseStatus(token, UNCLEAR, f"{token}: not a known SPDX or Hugging Face licence id; manual review", ids=(token,))
    notes = ("or any later version",) if or_later else ()
    return LicenseStatus(token, row.status, f"{row.spdx}: {row.reason}", notes=notes, ids=(row.spdx,))


def _evaluate(node) -> LicenseStatus:
    kind = node[0]
    if kind == "ID":
        return _classify_id(node[1])
    if kind == "WITH":
        base = _evaluate(node[1])
        exc = node[2]
        note = (f"exception {exc} adds permissions; status is that of the licence" if exc.lower() in KNOWN_EXCEPTIONS
                else f"exception {exc} is not in our list; read it (exceptions normally only add permissions)")
        return LicenseStatus(base.expression, base.status, base.reason, base.notes + (note,), base.ids)
    parts = [_evaluate(n) for n in node[1]]
    ids = tuple(i for p in parts for i in p.ids)
    notes = tuple(n for p in parts for n in p.notes)
    if kind == "AND":
        return _combine_and(parts, ids, notes)
    return _combine_or(parts, ids, notes)


def _combine_and(parts: list[LicenseStatus], ids, notes) -> LicenseStatus:
    """All terms apply at once: the worst part decides."""
    for status in (NON_FREE, UNCLEAR):
        bad = [p for p in parts if p.status == status]
        if bad:
            return LicenseStatus("", status, "AND: every term applies, and " + "; ".join(p.reason for p in bad), notes, ids)
    return LicenseStatus("", FREE, "AND: every licence in the conjunction is DFSG-free", notes, ids)


def _combine_or(parts: list[LicenseStatus], ids, notes) -> LicenseStatus:
    """The licensee picks one branch: one free branch is enough."""
    free = [p for p in parts if p.status == FREE]
    if free:
        others = [p for p in parts if p.status != FREE]
        note = ("OR: the licensee may choose " + " / ".join(i for p in free for i in p.ids)
                + (" (other branches: " + ", ".join(f"{i} {p.status}" for p in others for i in p.ids) + ")" if others else ""))
        return LicenseStatus("", FREE, "OR: a DFSG-free branch is available — " + free[0].reason, notes + (note,), ids)
    unclear = [p for p in parts if p.status == UNCLEAR]
    if unclear:
        return LicenseStatus("", UNCLEAR, "OR: no branch is known to be free; " + "; ".join(p.reason for p in unclear), notes, ids)
    return LicenseStatus("", NON_FREE, "OR: every branch is non-free; " + "; ".join(p.reason for p in parts), notes, ids)


def classify(expression: str | None) -> LicenseStatus:
    """The DFSG status of an HF licence id or an SPDX expression (AND, OR, WITH, parentheses, `+`).

    Never raises: a missing or unparsable expression is `unclear`, with the reason.
    """
    if expression is None or not str(expression).strip():
        return LicenseStatus("", UNCLEAR, _R_UNKNOWN)
    text = str(expression).strip()
    # A known id or alias with spaces ("Apache License 2.0") before trying the grammar.
    if lookup(text) is not None:
        result = _classify_id(text)
    else:
        try:
            tree = _Parser(_tokens(text)).parse()
        except _Syntax as exc:
            return LicenseStatus(text, UNCLEAR, f"{text!r} is not an SPDX licence expression ({exc}); manual review")
        result = _evaluate(tree)
    return LicenseStatus(text, result.status, result.reason, result.notes, result.ids)


def is_free(expression: str | None) -> bool:
    return classify(expression).status == FREE


# ---------------------------------------------------------------- free-text licence strings

# Licence URLs upstreams write into file metadata beside (or instead of) a name.
_URL_IDS = (
    (re.compile(r"apache\.org/licenses/license-2\.0"), "Apache-2.0"),
    (re.compile(r"opensource\.org/licen[cs]es/mit"), "MIT"),
    (re.compile(r"opensource\.org/licen[cs]es/(bsd-[23]-clause)"), None),
    (re.compile(r"opensource\.org/licen[cs]es/apache-2\.0"), "Apache-2.0"),
    (re.compile(r"creativecommons\.org/publicdomain/zero/1\.0"), "CC0-1.0"),
    (re.compile(r"creativecommons\.org/licenses/((?:by|by-sa|by-nc|by-nd|by-nc-sa|by-nc-nd))/(\d\.\d)"), None),
    (re.compile(r"gnu\.org/licenses/(a?gpl|lgpl)-(\d(?:\.\d)?)"), None),
    (re.compile(r"spdx\.org/licenses/([A-Za-z0-9.+-]+?)(?:\.html|\.json)?(?:[/?#]|$)"), None),
)
_URL = re.compile(r"<?https?://[^\s<>()\"']+>?")


def _from_url(url: str) -> str | None:
    low = url.lower().strip("<>")
    for pattern, spdx in _URL_IDS:
        m = pattern.search(low)
        if not m:
            continue
        if spdx:
            return spdx
        if "creativecommons" in pattern.pattern:
            return f"CC-{m.group(1).upper()}-{m.group(2)}"
        if "gnu" in pattern.pattern:
            return spdx_id(f"{m.group(1)}-{m.group(2) if '.' in m.group(2) else m.group(2) + '.0'}")
        found = spdx_id(m.group(1))
        if found:
            return found
    return None


def normalise(raw: str | None) -> str | None:
    """The SPDX id (or known expression) a free-text licence string names, else None.

    File metadata writes licences as prose: "Apache License 2.0
    (https://www.apache.org/licenses/LICENSE-2.0)", "MIT https://…", a bare
    URL.  The name without its URLs and brackets is looked up in the table
    above (ids, aliases, DEP-5 names); failing that, a URL of a licence's
    canonical page names it.  A string naming two different licences, or
    none we know, gives None: the caller keeps the raw string and asks.
    """
    if raw is None or not str(raw).strip():
        return None
    text = str(raw).strip()
    if lookup(text) is not None:
        return lookup(text).spdx
    status = classify(text)
    if status.ids and all(lookup(i) is not None for i in status.ids) and not text.lower().startswith("http"):
        return text
    urls = _URL.findall(text)
    name = _URL.sub(" ", text)
    name = re.sub(r"[()\[\]<>,;:]+", " ", name)
    name = " ".join(name.split()).strip(" .-")
    from_name = None
    if name:
        row = lookup(name) or lookup(name.replace(" ", "-")) or lookup(re.sub(r"\s+licen[cs]e$", "", name, flags=re.I))
        from_name = row.spdx if row is not None and row.dep5 is not None else None
    from_urls = {u for u in (_from_url(u) for u in urls) if u}
    if from_name and (not from_urls or from_urls == {from_name}):
        return from_name
    if not name and len(from_urls) == 1:
        return from_urls.pop()
    if from_name is None and len(from_urls) == 1 and not _looks_like_a_name(name):
        return from_urls.pop()
    return None


def _looks_like_a_name(text: str) -> bool:
    """Words that could be another licence's name (so a URL beside them does not decide)."""
    return bool(re.search(r"[A-Za-z]{3,}", re.sub(r"(?i)\b(licen[cs]e|version|v)\b", "", text)))
