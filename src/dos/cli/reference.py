"""``docs/config.md`` and ``docs/cli.md``, generated from the config schema and the verb table.

    python -m dos.cli.reference --write     # rewrite both files
    python -m dos.cli.reference --check     # exit 1 when either is stale (a test runs this)
"""

from __future__ import annotations

import argparse
import sys
import typing
from pathlib import Path
from typing import Any

from dos.kernel import table as tables

DOCS = Path(__file__).resolve().parents[3] / "docs"


def _type_name(tp: Any) -> str:
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if tp in (str, int, float, bool):
        return {str: "string", int: "integer", float: "number", bool: "boolean"}[tp]
    if origin is typing.Literal:
        return " \\| ".join(f'`"{a}"`' for a in args)
    if origin is tuple:
        return f"list of {_type_name(args[0])}"
    if origin in (dict, typing.Mapping, __import__("collections.abc").abc.Mapping):
        return f"table of {_type_name(args[1])}"
    if tables.is_table(tp):
        return f"table ({tp.__name__})"
    if args:
        return " or ".join(_type_name(a) for a in args if a is not type(None))
    return getattr(tp, "__name__", str(tp))


def _default(f: tables.Field) -> str:
    if f.default is not tables.MISSING:
        value = f.default
    elif f.default_factory is not tables.MISSING:
        value = f.default_factory()
    else:
        return "required"
    if isinstance(value, tuple):
        value = list(value)
    if hasattr(value, "items"):
        value = {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
    if isinstance(value, float):
        value = round(value, 4)
    import json

    return f"`{json.dumps(value)}`"


def config_markdown() -> str:
    """Every dos.toml table and key with its type, default and meaning."""
    from dos.config import schema
    from dos.config.loader import toml_key

    lines = ["# dos.toml reference", "", "Generated from `src/dos/config/schema.py` by "
             "`python -m dos.cli.reference --write`; do not edit by hand.", "",
             "An unknown table or key, a value of the wrong type, a non-finite number, a NUL byte or a value "
             "out of bounds is an error (exit 2) naming the file, the table and the key. Keys marked "
             "*compatibility* are read and validated so a dos-kernel `dos.toml` loads unchanged, but DOS does "
             "not act on them (`dos lint` lists the ones a file sets).", ""]
    for name, (cls, how) in schema.TABLES.items():
        header = {"table": f"[{name}]", "map": f"[{name}.<TOKEN>]", "array": f"[[{name}]]", "free": f"[{name}]"}[how]
        lines += [f"## `{header}`", ""]
        if how == "free":
            lines += ["Passed through unchanged (any keys); read by CI evidence plugins.", ""]
            continue
        lines += [(cls.__doc__ or "").strip().splitlines()[0], ""]
        hints = typing.get_type_hints(cls)
        lines += ["| key | type | default | meaning |", "|---|---|---|---|"]
        for f in tables.fields(cls):
            meaning = f.metadata.get("doc", "")
            if f.metadata.get("unused"):
                meaning += " *(compatibility: not acted on)*"
            lines.append(f"| `{toml_key(f)}` | {_type_name(hints[f.name])} | {_default(f)} | {meaning} |")
        lines.append("")
    lines += ["The top-level key `workspace` (written by dos-kernel's `init`) is accepted and ignored.", ""]
    return "\n".join(lines)


def _flags(parser: argparse.ArgumentParser) -> list[str]:
    rows = []
    for action in parser._actions:  # noqa: SLF001 - argparse has no public walk
        if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):  # noqa: SLF001
            continue
        name = ", ".join(action.option_strings) or action.metavar or action.dest
        default = "" if action.default in (None, False, [], "", argparse.SUPPRESS) else f" (default `{action.default}`)"
        rows.append(f"| `{name}` | {(action.help or '').replace('|', '/')}{default} |")
    return rows


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # noqa: SLF001
        if isinstance(action, argparse._SubParsersAction):  # noqa: SLF001
            return dict(action.choices)
    return {}


def cli_markdown() -> str:
    """Every verb, grouped by family, with its flags and exit codes."""
    from dos.cli import build_verb_parser
    from dos.cli._registry import FAMILIES, VERBS
    from dos.exitcodes import EXIT_CODES, PROCESS_CODES

    lines = ["# dos command reference", "", "Generated from the verb table and each verb's parser by "
             "`python -m dos.cli.reference --write`; do not edit by hand.", "",
             "Every verb takes `--workspace DIR` (before or after the verb). Process-level exit codes:", "",
             "| code | meaning |", "|---:|---|"]
    lines += [f"| {code} | {name.replace('_', ' ')} |" for name, code in sorted(PROCESS_CODES.items(),
                                                                              key=lambda kv: kv[1])]
    for family, title in FAMILIES.items():
        verbs = [v for v in VERBS.values() if v.family == family]
        if not verbs:
            continue
        lines += ["", f"## {title}"]
        for verb in verbs:
            parser, _ = build_verb_parser(verb.name)
            lines += ["", f"### `dos {verb.name}`", "", verb.summary, ""]
            subs = _subparsers(parser)
            targets = [(verb.name, parser)] if not subs else [(f"{verb.name} {k}", p) for k, p in subs.items()]
            for label, p in targets:
                if subs:
                    lines += [f"#### `dos {label}`", ""]
                flags = _flags(p)
                if flags:
                    lines += ["| flag | meaning |", "|---|---|", *flags, ""]
                codes = EXIT_CODES.get(label) or (EXIT_CODES.get(verb.name) if not subs else None)
                if codes:
                    shown = ", ".join(f"`{t}` {c}" for t, c in sorted(codes.items(), key=lambda kv: (kv[1], kv[0])))
                    lines += [f"Exit codes: {shown}.", ""]
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    from dos.exitcodes import OK, REFUSED

    ap = argparse.ArgumentParser(prog="python -m dos.cli.reference", description=__doc__.splitlines()[0])
    ap.add_argument("--write", action="store_true")
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    stale = []
    for name, text in (("config.md", config_markdown()), ("cli.md", cli_markdown())):
        path = DOCS / name
        if args.write:
            path.write_text(text, encoding="utf-8")
        elif not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
    if stale:
        sys.stderr.write(f"stale: {', '.join(stale)}; run python -m dos.cli.reference --write\n")
        return REFUSED
    return OK


if __name__ == "__main__":
    sys.exit(main())
