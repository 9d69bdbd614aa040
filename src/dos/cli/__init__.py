"""The ``dos`` command line: parse, call the library, print, exit with the verdict.

Only the verb being run is imported. Every ``DosError`` becomes one line on stderr and
its exit code; a closed pipe or Ctrl-C never prints a traceback.
"""

from __future__ import annotations

import os
import sys

from dos import exitcodes
from dos.cli._registry import FAMILIES, VERBS
from dos.errors import DosError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Sequence

    from dos.cli._parser import ArgumentParser


def __getattr__(name: str):
    """``dos.cli.ArgumentParser`` loads argparse on first use: ``dos --help`` needs none of it."""
    if name == "ArgumentParser":
        from dos.cli._parser import ArgumentParser

        return ArgumentParser
    raise AttributeError(f"module 'dos.cli' has no attribute {name!r}")


class Context:
    """What a verb needs from the outside: the workspace, its config, and the service context.

    Each is made on first use and kept (a lean verb may never touch them).
    """

    def __init__(self, workspace_arg: str | None) -> None:
        self.workspace_arg = workspace_arg

    def __getattr__(self, name: str):
        if name == "workspace":  # -> dos.config.Workspace
            from dos.config import find_workspace

            value = find_workspace(self.workspace_arg)
        elif name == "config":  # -> dos.config.Config
            from dos.config import load_config

            value = load_config(self.workspace.root)
        elif name == "service":  # -> dos.service.context.Context
            from dos.service.context import Context as ServiceContext

            value = ServiceContext(self.workspace, self.config)
        else:
            raise AttributeError(name)
        self.__dict__[name] = value
        return value

    def close(self) -> None:
        if "service" in self.__dict__:
            self.service.close()


def _split_workspace(argv: list[str]) -> tuple[str | None, list[str]]:
    """Pull the global flags out of ARGV wherever they appear before ``--``.

    ``--workspace DIR`` is kept; the reference's ``--driver NAME`` and ``--job`` are accepted and
    ignored with one line on stderr (DOS has no drivers: dos.toml alone configures a workspace).
    """
    out: list[str] = []
    workspace = None
    driver = ""
    i = 0
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            out.extend(argv[i:])
            break
        if arg in ("--workspace", "--driver"):
            if i + 1 >= len(argv):
                raise UsageError(f"dos: {arg} needs a value")
            if arg == "--workspace":
                workspace = argv[i + 1]
            else:
                driver = argv[i + 1]
            i += 2
            continue
        if arg.startswith("--workspace="):
            workspace = arg.split("=", 1)[1]
        elif arg.startswith("--driver="):
            driver = arg.split("=", 1)[1]
        elif arg == "--job":
            driver = driver or "job"
        else:
            out.append(arg)
        i += 1
    if driver:
        if any(c in driver for c in "./\\") or not driver.strip():
            raise UsageError(f"dos: unknown driver {driver!r} (a driver is a bare name)")
        sys.stderr.write(f"note: --driver {driver} ignored: DOS has no drivers; this workspace's dos.toml applies\n")
    return workspace, out


def _top_help() -> str:
    from dos._version import __version__

    lines = [
        f"dos {__version__} - the Dispatch Operating System: a referee for fleets of AI coding agents.",
        "",
        "usage: dos [--workspace DIR] VERB [ARGS...]    (dos VERB --help for a verb's flags)",
        "",
        "New here?  dos quickstart    then  dos init  and  dos doctor",
    ]
    width = max(len(v) for v in VERBS) + 2
    for family, title in FAMILIES.items():
        lines += ["", f"{title}"]
        lines += [f"  {v.name:<{width}}{v.summary}" for v in VERBS.values() if v.family == family]
    lines += [
        "",
        "global options:",
        "  --workspace DIR   the workspace root (else $DISPATCH_WORKSPACE, the nearest dos.toml,",
        "                    the git top level, or the current directory)",
        "  --version         print the version",
        "",
        "Exit codes: 0 success or the green verdict, 2 usage or contract error; each verdict",
        "verb's codes are listed by 'dos exit-codes'.",
    ]
    return "\n".join(lines) + "\n"


# Verdict verbs a driver polls: short processes whose allocations are almost all long-lived
# (modules, functions, classes). The cyclic collector finds no garbage there, and its passes
# over start-up's objects cost about a millisecond a call, so ``run`` keeps it off for these.
_BRIEF = frozenset({"status", "verify", "liveness"})


def _verb_module(name: str):
    module = VERBS[name].module
    __import__(module)
    return sys.modules[module]


def build_verb_parser(name: str) -> tuple[ArgumentParser, object]:
    """The parser for verb NAME and its implementing module."""
    from dos.cli._parser import ArgumentParser

    module = _verb_module(name)
    parser = ArgumentParser(prog=f"dos {name}", description=VERBS[name].summary)
    getattr(module, f"configure_{name.replace('-', '_')}")(parser)
    return parser, module


def parse_verb(name: str, words: list[str]) -> tuple[object, object]:
    """(arguments, module) of verb NAME given WORDS.

    A verb module may declare ``LEAN_<verb>``, a ``dos.cli._parser.Lean`` of its flags: the
    words it parses skip argparse (a verdict verb's start-up); whatever it cannot parse
    goes to argparse, which gives every error and help text.
    """
    module = _verb_module(name)
    lean = getattr(module, f"LEAN_{name.replace('-', '_')}", None)
    args = lean.parse(words) if lean is not None else None
    if args is None:
        parser, module = build_verb_parser(name)
        args = parser.parse_args(words)
    return args, module


def _run(argv: list[str]) -> int:
    workspace, argv = _split_workspace(argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        if len(argv) > 1 and argv[0] == "help" and argv[1] in VERBS:
            argv = [argv[1], "--help"]
        else:
            sys.stdout.write(_top_help())
            return exitcodes.OK if argv else exitcodes.CONTRACT_ERROR
    if argv[0] == "--version":
        from dos._version import __version__

        sys.stdout.write(f"dos {__version__}\n")
        return exitcodes.OK
    name = argv[0]
    if name not in VERBS:
        import difflib

        close = difflib.get_close_matches(name, VERBS, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else " (see 'dos --help')"
        raise UsageError(f"dos: unknown verb {name!r}{hint}")
    if name not in _BRIEF:
        import gc

        gc.enable()  # ``run`` started with it off; a verb that runs long or reads much needs it
    args, module = parse_verb(name, argv[1:])
    ctx = Context(workspace)
    try:
        code = getattr(module, f"run_{name.replace('-', '_')}")(args, ctx)
    finally:
        ctx.close()
    return int(code or 0)


def run() -> None:
    """The ``dos`` process: ``main`` with the cyclic collector off through start-up (see ``_BRIEF``)."""
    import gc

    gc.disable()
    sys.exit(main())


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point for the ``dos`` console script."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        code = _run(argv)
        sys.stdout.flush()
        return code
    except SystemExit as exc:  # argparse --help exits 0 through here
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)
    except DosError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return exc.exit_code
    except BrokenPipeError:
        _silence_stdout()
        return exitcodes.BROKEN_PIPE
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return exitcodes.INTERRUPTED


def _silence_stdout() -> None:
    """After the reader closed the pipe, point stdout at /dev/null so exit does not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass
