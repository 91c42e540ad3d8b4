"""`mlmodel`: the maintainer's command line.

A thin adapter: each subcommand lives in dh_mlmodel/commands/<name>.py with
`HELP`, `add_arguments(parser)` and `run(args) -> int`; this module only wires
them together and turns a stage error into one line and an exit code.
"""
from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys

from . import __version__
from .model import MLModelError

# The order is the order of `mlmodel --help`.
COMMANDS = ("inspect", "classify", "copyright", "overrides", "autopkgtest", "init", "lint", "verify", "smoke",
            "list", "show", "path", "hub-env", "hub-link", "report", "census")

EXIT_USAGE = 2  # spec §6: usage or I/O error


def available_commands() -> list[str]:
    return [c for c in COMMANDS if importlib.util.find_spec(f"dh_mlmodel.commands.{module_name(c)}") is not None]


def module_name(command: str) -> str:
    """hub-env lives in dh_mlmodel/commands/hub_env.py."""
    return command.replace("-", "_")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mlmodel", description="Inspect, classify and package machine-learning models for Debian.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    for name in available_commands():
        module = importlib.import_module(f"dh_mlmodel.commands.{module_name(name)}")
        p = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args._run(args)
    except MLModelError as exc:
        print(f"mlmodel: error: {exc.one_line()}", file=sys.stderr)
        return getattr(exc, "exit_code", EXIT_USAGE)
    except OSError as exc:
        name = exc.filename if exc.filename is not None else ""
        print(f"mlmodel: error: {name}: {exc.strerror or exc}".replace("\n", "\\n"), file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
