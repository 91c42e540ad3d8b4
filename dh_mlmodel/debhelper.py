"""The Dh_Lib conventions a Python dh tool must keep, re-implemented.

Modelled on dh-python's dhpython/debhelper.py, closing its gaps: this module
honours DH_INTERNAL_OPTIONS, DH_NO_ACT, DH_QUIET and DH_ALWAYS_EXCLUDE, and
leaves package selection to `dh_listpackages` itself, so it is identical to
what every other dh tool of the build acts on (Build-Profiles, host
architecture, -i/-a/-p/-N).  Sources: Dh_Lib.pm and Dh_Getopt.pm of debhelper
13, `man debhelper`, PROGRAMMING.md.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NoReturn

from debian import deb822

EXIT_ERROR = 255  # Dh_Lib's error() sets $! = 255 before dying

# Options that select packages: passed on to dh_listpackages as given.
SELECTION_FLAGS = {"-i": "-i", "--indep": "-i", "-a": "-a", "--arch": "-a", "-s": "-a", "--same-arch": "-a"}
SELECTION_VALUES = {"-p": "-p", "--package": "-p", "-N": "-N", "--no-package": "-N"}


class DhError(Exception):
    """Stops the tool with `TOOL: error: message` and exit 255."""


class NothingToDo(Exception):
    """No package to act on: Dh_Lib exits 0 at once (after its warning)."""


@dataclass
class DhContext:
    tool: str
    verbose: bool = False
    quiet: bool = False
    no_act: bool = False
    packages: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    tmpdir: str | None = None
    main_package: str | None = None
    opts: argparse.Namespace = field(default_factory=argparse.Namespace)
    control: "Control | None" = None

    # -- output, as Dh_Lib prints it ------------------------------------
    def verbose_print(self, message: str) -> None:
        if self.verbose:
            print(f"\t{message}", flush=True)

    def nonquiet_print(self, message: str) -> None:
        if not self.quiet:
            print(f"\t{message}", flush=True)

    def warning(self, message: str) -> None:
        print(f"{self.tool}: warning: {one_line(message)}", file=sys.stderr, flush=True)

    def error(self, message: str) -> NoReturn:
        raise DhError(one_line(message))

    def error_line(self, message: str) -> None:
        """One error among several, before the error() that stops the tool."""
        print(f"{self.tool}: error: {one_line(message)}", file=sys.stderr, flush=True)

    # -- files ------------------------------------------------------------
    def tmpdir_for(self, package: str) -> Path:
        if self.tmpdir:
            return Path(self.tmpdir)
        return Path("debian") / package

    def pkgfile(self, package: str, name: str) -> Path | None:
        """debian/PKG.NAME.<arch>|.<os>, debian/PKG.NAME, or debian/NAME for the main package."""
        arch = os.environ.get("DEB_HOST_ARCH") or _dpkg_architecture("DEB_HOST_ARCH")
        host_os = os.environ.get("DEB_HOST_ARCH_OS") or _dpkg_architecture("DEB_HOST_ARCH_OS")
        candidates = [Path(f"debian/{package}.{name}.{arch}"), Path(f"debian/{package}.{name}.{host_os}"),
                      Path(f"debian/{package}.{name}")]
        if self.control is not None and package == (self.main_package or self.control.main_package):
            candidates.append(Path(f"debian/{name}"))
        return next((c for c in candidates if c.is_file()), None)

    def excluded(self, path: str) -> bool:
        """-X / DH_ALWAYS_EXCLUDE: a substring of the path excludes it."""
        return any(x and x in path for x in self.exclude)


def one_line(message: str) -> str:
    return str(message).replace("\n", "\\n").replace("\r", "\\r")


def _dpkg_architecture(var: str) -> str:
    try:
        return subprocess.run(["dpkg-architecture", "-q", var], capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


# -- debian/control ---------------------------------------------------------

@dataclass(frozen=True)
class BinaryPackage:
    name: str
    architecture: str
    section: str | None
    fields: dict

    @property
    def arch_all(self) -> bool:
        return self.architecture.split() == ["all"]


@dataclass(frozen=True)
class Control:
    source: str
    section: str | None
    binaries: tuple[BinaryPackage, ...]
    build_depends: str
    maintainer: str = ""

    @property
    def main_package(self) -> str:
        return self.binaries[0].name

    def binary(self, name: str) -> BinaryPackage | None:
        return next((b for b in self.binaries if b.name == name), None)


def read_control(path: Path = Path("debian/control")) -> Control:
    try:
        with open(path, encoding="utf-8") as fh:
            paragraphs = list(deb822.Deb822.iter_paragraphs(fh))
    except FileNotFoundError:
        raise DhError(f"{path}: not found (run dh_mlmodel from the top of an unpacked source package)") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DhError(f"{path}: cannot read: {exc}") from None
    if not paragraphs or "Source" not in paragraphs[0]:
        raise DhError(f"{path}: the first paragraph has no Source field")
    src = paragraphs[0]
    binaries = tuple(
        BinaryPackage(p["Package"].strip(), p.get("Architecture", "").strip(),
                      (p.get("Section") or src.get("Section") or "").strip() or None, dict(p))
        for p in paragraphs[1:] if "Package" in p)
    if not binaries:
        raise DhError(f"{path}: no binary package paragraphs")
    build_deps = ", ".join(src.get(f, "") for f in ("Build-Depends", "Build-Depends-Indep", "Build-Depends-Arch"))
    return Control(src["Source"].strip(), (src.get("Section") or "").strip() or None, binaries, build_deps,
                   " ".join(src.get("Maintainer", "").split()))


# -- options ----------------------------------------------------------------

class _Parser(argparse.ArgumentParser):
    """argparse that fails the way Dh_Getopt does."""

    def error(self, message: str) -> NoReturn:  # noqa: D102 - argparse hook
        raise _OptionError(message)


class _OptionError(Exception):
    pass


def _common_parser(tool: str, add_tool_options: Callable[[argparse.ArgumentParser], None]) -> _Parser:
    p = _Parser(prog=tool, add_help=False, allow_abbrev=False)
    p.add_argument("-v", "--verbose", action="store_true", default=None)
    p.add_argument("--no-act", action="store_true", default=None)
    p.add_argument("-i", "--indep", "-a", "--arch", "-s", "--same-arch", dest="_select_flag", action="append_const",
                   const=True)  # the real work is done from the raw argv (order matters)
    p.add_argument("-p", "--package", dest="_select_p", action="append")
    p.add_argument("-N", "--no-package", dest="_select_n", action="append")
    p.add_argument("--remaining-packages", action="store_true", default=None)
    p.add_argument("-X", "--exclude", action="append", default=None)
    p.add_argument("-P", "--tmpdir", default=None)
    p.add_argument("--mainpackage", default=None)
    p.add_argument("-O", action="append", default=None)
    p.add_argument("-h", "--help", action="store_true", default=None)
    add_tool_options(p)
    return p


def _selection_args(argv: list[str]) -> list[str]:
    """The package-selection options of argv, in order, in dh_listpackages' spelling."""
    out: list[str] = []
    it = iter(argv)
    for arg in it:
        if arg == "--":
            break
        if arg in SELECTION_FLAGS:
            out.append(SELECTION_FLAGS[arg])
            continue
        name, eq, value = arg.partition("=")
        if name in SELECTION_VALUES and name.startswith("--"):
            out += [SELECTION_VALUES[name], value if eq else next(it, "")]
        elif arg[:2] in ("-p", "-N") and not arg.startswith("--"):
            out += [arg[:2], arg[2:] if len(arg) > 2 else next(it, "")]
        elif re.fullmatch(r"-[ias]+v?|-v[ias]+", arg):  # bundled short flags such as -iv
            out += ["-a" if ch == "s" else f"-{ch}" for ch in arg[1:] if ch in "ias"]
    return out


def _parse_known_o(parser: _Parser, values: list[str], ns: argparse.Namespace) -> list[str]:
    """-O<opt>: applied when the tool knows it, silently ignored otherwise (Dh_Getopt)."""
    applied = []
    for value in values or []:
        try:
            parser.parse_args([value], argparse.Namespace())  # a trial run: unknown -> ignored
        except _OptionError:
            continue
        parser.parse_args([value], ns)
        applied.append(value)
    return applied


def usage(tool: str, add_tool_options: Callable[[argparse.ArgumentParser], None]) -> str:
    """--help: Dh_Getopt's usage text, with this tool's own options listed (the man page has the rest)."""
    p = argparse.ArgumentParser(prog=tool, add_help=False, usage=f"{tool} [debhelper options] [options]")
    add_tool_options(p)
    return (p.format_help() + f"\n  {tool} is a debhelper program. See debhelper(7) for the debhelper options\n"
            f"  and {tool}(1) for complete usage instructions.\n")


def parse_dh_args(tool: str, argv: list[str],
                  add_tool_options: Callable[[argparse.ArgumentParser], None] = lambda p: None,
                  environ: os._Environ | dict | None = None) -> DhContext:
    """DH_INTERNAL_OPTIONS, DH_OPTIONS, then argv, as Dh_Getopt::parseopts does."""
    env = os.environ if environ is None else environ
    parser = _common_parser(tool, add_tool_options)
    ns = argparse.Namespace()
    selection: list[str] = []

    dh_options = env.get("DH_OPTIONS", "").split()
    if dh_options:
        try:
            ns, unknown = parser.parse_known_args(dh_options, ns)
        except _OptionError:
            unknown = dh_options
        if unknown:
            print(f"{tool}: warning: ignored unknown options in DH_OPTIONS", file=sys.stderr)
        selection += _selection_args([o for o in dh_options if o not in unknown])
    try:
        parser.parse_args(argv, ns)
    except _OptionError:
        raise DhError("unknown option or error during option parsing; aborting") from None
    if ns.help:  # before anything reads debian/: help works anywhere, as Dh_Getopt's does
        print(usage(tool, add_tool_options), end="")
        raise NothingToDo()
    selection += _selection_args(argv)
    for value in _parse_known_o(parser, ns.O, ns):
        selection += _selection_args([value])

    ctx = DhContext(tool=tool, opts=ns)
    ctx.verbose = bool(ns.verbose) or bool(env.get("DH_VERBOSE"))
    ctx.quiet = not ctx.verbose and (bool(env.get("DH_QUIET")) or "terse" in env.get("DEB_BUILD_OPTIONS", "").split())
    ctx.no_act = bool(ns.no_act) or bool(env.get("DH_NO_ACT"))
    ctx.exclude = list(ns.exclude or []) + [x for x in env.get("DH_ALWAYS_EXCLUDE", "").split(":") if x]
    ctx.tmpdir = ns.tmpdir
    ctx.main_package = ns.mainpackage
    ctx.control = read_control()
    ctx.packages = list_packages(tool, selection, env)
    if ns.remaining_packages:
        ctx.packages = [p for p in ctx.packages if tool not in _load_log(p)]
    if not ctx.packages:
        if {"-i", "-a"} & set(selection):
            ctx.warning("You asked that all arch in(dep) packages be built, but there are none of that type.")
        raise NothingToDo()
    if ctx.tmpdir and len(ctx.packages) > 1:
        raise DhError("-P was specified, but it only works when acting on a single package")
    return ctx


def list_packages(tool: str, selection: list[str], environ) -> list[str]:
    """The packages to act on, as `dh_listpackages` computes them."""
    env = {k: v for k, v in environ.items() if k != "DH_OPTIONS"}  # its selection part is in `selection`
    try:
        proc = subprocess.run(["dh_listpackages", *selection], capture_output=True, text=True, env=env)
    except OSError as exc:
        raise DhError(f"cannot run dh_listpackages: {exc.strerror} (is debhelper installed?)") from None
    for line in proc.stderr.splitlines():
        text = re.sub(r"^dh_listpackages: (error|warning): ", "", line)
        if proc.returncode != 0:
            raise DhError(text)
        print(f"{tool}: warning: {text}", file=sys.stderr)
    if proc.returncode != 0:
        raise DhError(f"dh_listpackages failed with exit status {proc.returncode}")
    return proc.stdout.split()


# -- the debhelper log, substvars, overrides ----------------------------------

def _load_log(package: str) -> list[str]:
    try:
        return Path(f"debian/{package}.debhelper.log").read_text(encoding="utf-8").split()
    except FileNotFoundError:
        return []


def write_log(ctx: DhContext, packages: list[str]) -> None:
    """Only inside override targets, as debhelper ≥ compat 10 does."""
    if ctx.no_act or not os.environ.get("DH_INTERNAL_OVERRIDE"):
        return
    for package in packages:
        with open(f"debian/{package}.debhelper.log", "a", encoding="utf-8") as fh:
            fh.write(f"{ctx.tool}\n")


def atomic_write_text(path: Path, text: str, mode: int = 0o644) -> None:
    """Write through PATH.new and rename, so a reader never sees half a file."""
    tmp = path.with_name(path.name + ".new")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def addsubstvar(ctx: DhContext, package: str, var: str, value: str, *, optional: bool = True) -> None:
    """Add VALUE to the ", "-separated list in debian/PKG.substvars (sorted, de-duplicated).

    A new variable is written `var?=value` when OPTIONAL, so dpkg-gencontrol
    does not warn when debian/control does not use it (dpkg >= 1.21.8).
    """
    if "\n" in value or "\r" in value:
        raise DhError(f"refusing a substvar value with a newline ({var})")
    path = Path(f"debian/{package}.substvars")
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    pattern = re.compile(rf"^{re.escape(var)}([?]?=)(.*)$")
    out, present = [], False
    for line in lines:
        m = pattern.match(line)
        if m:
            present = True
            items = {i for i in m.group(2).split(", ") if i}
            items.add(value)
            line = f"{var}{m.group(1)}{', '.join(sorted(items))}"
        out.append(line)
    if not present:
        out.append(f"{var}{'?=' if optional else '='}{value}")
    if out != lines and not ctx.no_act:
        atomic_write_text(path, "".join(f"{line}\n" for line in out))


def define_substvar(ctx: DhContext, package: str, var: str) -> None:
    """Make sure VAR is defined in debian/PKG.substvars: `var?=` (empty, optional) unless it already is."""
    path = Path(f"debian/{package}.substvars")
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    if any(re.match(rf"^{re.escape(var)}[?]?=", line) for line in lines) or ctx.no_act:
        return
    atomic_write_text(path, "".join(f"{line}\n" for line in [*lines, f"{var}?="]))


def append_lintian_overrides(ctx: DhContext, package: str, entries: list[tuple[str, str]]) -> None:
    """Append (comment, override) pairs to the package's installed overrides file, skipping ones present."""
    path = ctx.tmpdir_for(package) / "usr/share/lintian/overrides" / package
    existing = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    new = [(c, o) for c, o in entries if o not in existing]
    if not new or ctx.no_act:
        return
    text = "".join(f"{line}\n" for line in existing)
    for comment, override in new:
        text += f"# {one_line(comment)}\n{one_line(override)}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_text(path, text)


def lintian_supports_brackets() -> bool:
    """Bracketed pointers in overrides arrived with lintian 2.115 (older takes `tag path`)."""
    try:
        out = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "lintian"], capture_output=True, text=True).stdout
        if not out:
            return True
        rc = subprocess.run(["dpkg", "--compare-versions", out, "ge", "2.115~"]).returncode
        return rc == 0
    except OSError:
        return True


def run_tool(main: Callable[[DhContext], None], tool: str, argv: list[str],
             add_tool_options: Callable[[argparse.ArgumentParser], None]) -> int:
    """Parse, run, and turn a DhError into Dh_Lib's message and exit code."""
    try:
        ctx = parse_dh_args(tool, argv, add_tool_options)
        main(ctx)
    except DhError as exc:
        print(f"{tool}: error: {exc}", file=sys.stderr, flush=True)
        return EXIT_ERROR
    except NothingToDo:
        return 0
    except Exception as exc:  # a bug of ours: still one line, the traceback only when asked for
        if os.environ.get("DH_VERBOSE"):
            raise
        print(f"{tool}: error: internal error ({type(exc).__name__}: {one_line(exc)}); "
              "rerun with DH_VERBOSE=1 for details and report it", file=sys.stderr, flush=True)
        return EXIT_ERROR
    return 0
