"""The verbs' argument parser: argparse with one-line errors and exit code 2."""

from __future__ import annotations

import argparse
import os
import sys

from dos.errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import NoReturn


class ArgumentParser(argparse.ArgumentParser):
    """argparse whose errors are one ``UsageError`` line naming the fix."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")

    def _get_formatter(self) -> argparse.HelpFormatter:
        # argparse builds a formatter on every add_argument; without a width it imports shutil
        # (and with it bz2, lzma, zlib) to ask the terminal: a few ms of every verb's start-up.
        return self.formatter_class(prog=self.prog, width=_width())


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
