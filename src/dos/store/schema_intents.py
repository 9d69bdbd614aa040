"""Schema version 3: the intent ledger's tables (none yet: reserved for the ledger)."""

from __future__ import annotations

INTENT_DDL: tuple[str, ...] = ()
