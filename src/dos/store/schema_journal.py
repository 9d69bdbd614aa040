"""Schema version 2: the verdict journal's tables (none yet: reserved for the journal)."""

from __future__ import annotations

JOURNAL_DDL: tuple[str, ...] = ()
