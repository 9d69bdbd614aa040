"""The reason registry: built-ins, custom reasons beside a morphology table, and classification order."""

from __future__ import annotations

from pathlib import Path

import pytest

from dos.config import parse_config
from dos.kernel.reasons import BUILTIN_REASONS, build_registry, classify_reason


def test_builtins_have_valid_categories():
    assert len(BUILTIN_REASONS) == 10
    assert BUILTIN_REASONS["LANE_DRAINED"].category == "TRUE_DRAIN"
    assert {s.category for s in BUILTIN_REASONS.values()} <= {"TRUE_DRAIN", "OPERATOR_GATE", "STALE_CLAIM",
                                                               "MISROUTE"}


def test_custom_reasons_survive_a_morphology_table():
    """The reference dropped every custom reason when [[reasons.morphology]] was present."""
    cfg = parse_config('[reasons.MY_WAIT]\ncategory = "OPERATOR_GATE"\nfix = "ask"\n'
                       '[[reasons.morphology]]\nsubstring = "PARK"\ncategory = "TRUE_DRAIN"\n', Path("dos.toml"))
    reg = build_registry(cfg.reasons.custom)
    rules = [(r.substring, r.category) for r in cfg.reasons.morphology]
    assert classify_reason("my_wait", reg, rules).how == "exact"
    assert classify_reason("PARKED_FOREVER", reg, rules).category == "TRUE_DRAIN"
    # the custom table replaced the built-in rules
    assert classify_reason("SOME_SOAK", reg, rules).category == "UNCLASSIFIED"
    assert classify_reason("SOME_SOAK", reg).category == "OPERATOR_GATE"


def test_redeclaring_a_builtin_is_an_error():
    cfg = parse_config('[reasons.LANE_DRAINED]\ncategory = "MISROUTE"\n', Path("dos.toml"))
    with pytest.raises(ValueError, match="built in"):
        build_registry(cfg.reasons.custom)


@pytest.mark.parametrize("token,category,how", [
    ("LANE_DRAINED", "TRUE_DRAIN", "exact"), ("misrouted", "MISROUTE", "alias"),
    ("QUEUE_DRAINED", "TRUE_DRAIN", "morphological"), ("WHATEVER", "UNCLASSIFIED", "none"),
])
def test_classification_order(token, category, how):
    c = classify_reason(token)
    assert (c.category, c.how, c.refusal) == (category, how, True)
