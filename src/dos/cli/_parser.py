"""The verbs' argument parsers: argparse with one-line errors and exit code 2, and a lean one.

``ArgumentParser`` (argparse, loaded on first use) parses every verb. A verdict verb polled
in loops (``verify``, ``status``) also declares a ``Lean`` spec: a parser for exactly its
documented flags that imports nothing. It parses only what it is sure of, exactly as
argparse would; anything else (``--help``, an abbreviation, ``--``, a bad or missing value,
an unknown flag) makes it answer None, and argparse then parses the same words, so every
error, help text and exit code stays argparse's. ``tests/cli/test_lean_verbs.py`` holds the
two to the same answers.
"""

from __future__ import annotations

import os
import sys

from dos.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Mapping, NoReturn, Sequence


def __getattr__(name: str) -> Any:
    """``ArgumentParser`` is built on first use: importing argparse costs every verb a few ms."""
    if name == "ArgumentParser":
        cls = _argument_parser()
        globals()["ArgumentParser"] = cls
        return cls
    raise AttributeError(f"module 'dos.cli._parser' has no attribute {name!r}")


def _argument_parser() -> type:
    import argparse

    class ArgumentParser(argparse.ArgumentParser):
        """argparse whose errors are one ``UsageError`` line naming the fix."""

        def error(self, message: str) -> NoReturn:
            raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")

        def _get_formatter(self) -> argparse.HelpFormatter:
            # argparse builds a formatter on every add_argument; without a width it imports shutil
            # (and with it bz2, lzma, zlib) to ask the terminal: a few ms of every verb's start-up.
            return self.formatter_class(prog=self.prog, width=_width())

    ArgumentParser.__module__ = __name__
    return ArgumentParser


def _width() -> int:
    """The help width as shutil would find it: $COLUMNS, else the terminal, else 80 (less 2)."""
    try:
        columns = int(os.environ.get("COLUMNS", ""))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns
        except (AttributeError, ValueError, OSError):
            columns = 80
    return max(columns - 2, 20)


class Namespace:
    """The parsed arguments, as attributes (what ``argparse.Namespace`` gives a verb)."""

    def __init__(self, values: Mapping[str, Any]) -> None:
        self.__dict__.update(values)

    def __repr__(self) -> str:
        return f"Namespace({', '.join(f'{k}={v!r}' for k, v in sorted(self.__dict__.items()))})"


BOOL = "bool"  # a flag kind: ``store_true``


class Lean:
    """A verb's flags for the lean parse.

    NAMES: the positionals in order, the first REQUIRED of them required (the rest default
    to None). FLAGS: ``--flag -> (dest, kind, default)``, where KIND is ``BOOL`` or a
    converter for the value: ``str``, or a function that returns the value or raises
    ``ValueError`` for anything argparse would refuse (then argparse parses, and says why).
    """

    __slots__ = ("names", "required", "flags")

    def __init__(self, names: Sequence[str], required: int,
                 flags: Mapping[str, tuple[str, Any, Any]]) -> None:
        self.names, self.required, self.flags = tuple(names), required, dict(flags)

    def parse(self, argv: Sequence[str]) -> Namespace | None:
        """ARGV parsed as argparse would parse it, or None where only argparse may answer."""
        values: dict[str, Any] = {dest: default for dest, _, default in self.flags.values()}
        positionals: list[str] = []
        i, n = 0, len(argv)
        while i < n:
            word = argv[i]
            i += 1
            if not word.startswith("-"):
                positionals.append(word)
                continue
            name, eq, given = word.partition("=")
            spec = self.flags.get(name)
            if spec is None:
                return None  # --help, an abbreviation, '--', an unknown flag, a negative number
            dest, kind, _ = spec
            if kind == BOOL:
                if eq:
                    return None
                values[dest] = True
                continue
            if not eq:
                if i >= n or argv[i].startswith("-"):
                    return None
                given = argv[i]
                i += 1
            try:
                values[dest] = kind(given)
            except ValueError:
                return None
        if not self.required <= len(positionals) <= len(self.names):
            return None
        for k, name in enumerate(self.names):
            values[name] = positionals[k] if k < len(positionals) else None
        return Namespace(values)


def choice(*allowed: str) -> Callable[[str], str]:
    """A converter accepting only ALLOWED (what argparse's ``choices=`` accepts)."""

    def convert(text: str) -> str:
        if text not in allowed:
            raise ValueError(text)
        return text

    return convert
