"""``dos man`` renders pages from the live registries, and every page the code points a reader at exists."""

from __future__ import annotations

from pathlib import Path

from dos.cli._registry import VERBS
from dos.config import Workspace
from dos.kernel.manpage import broken_references, mentions
from dos.kernel.reasons import BUILTIN_REASONS
from dos.service.context import Context
from dos.service.man import broken_references as workspace_references
from dos.service.man import lanes, page
from dos.service.reasons import registry
from tests.verdicts.helpers import as_json, two_lanes

SRC = Path(__file__).resolve().parents[2] / "src" / "dos"
CUSTOM = """
[reasons.NEEDS_HUMAN]
category = "OPERATOR_GATE"
summary = "a person must decide"
fix = "ask in the channel"
see_also = ["LANE_DRAINED", "dos decisions-queue"]
"""


def _ctx(root: Path) -> Context:
    return Context(Workspace(root, "--workspace"))


def test_every_reason_text_and_man_mention_in_src_names_a_page(tmp_path):
    """Built-in reasons' summaries, fixes and see-also entries, and every 'dos man ...' in src/, resolve."""
    ctx = _ctx(tmp_path)
    reg, lane_list = registry(ctx), lanes(ctx)
    assert workspace_references(ctx, list(VERBS)) == []
    texts = [(str(p.relative_to(SRC)), p.read_text(encoding="utf-8")) for p in sorted(SRC.rglob("*.py"))]
    found = [(where, words) for where, text in texts for words in mentions(text)]
    assert len(found) >= 5, "the scan found the mentions it should (the reason see-also defaults, the index)"
    problems = [p for p in broken_references(texts, reg, lane_list, VERBS) if "names no page" in p]
    assert problems == []
    for token, spec in BUILTIN_REASONS.items():
        assert spec.see_also, f"{token} points the reader somewhere"
        assert page(ctx, ["wedge", token]) is not None and page(ctx, [token]) is not None


def test_the_check_catches_a_missing_page_and_verb(tmp_path):
    """It can fail: a custom reason pointing at an unknown verb, and a mention of a page that is not there."""
    (tmp_path / "dos.toml").write_text(CUSTOM)
    ctx = _ctx(tmp_path)
    assert workspace_references(ctx, list(VERBS)) == [
        "NEEDS_HUMAN.see_also: 'dos decisions-queue' names no verb"]
    reg, lane_list = registry(ctx), lanes(ctx)
    bad = broken_references([("x.py", "see `dos man wedge NOT_A_REASON` and dos man lanez")], reg, lane_list,
                            VERBS)
    assert bad == ["x.py: 'dos man wedge NOT_A_REASON' names no page", "x.py: 'dos man lanez' names no page"]
    ok = broken_references([("y.py", "'dos man lane' lists them; dos man wedge TOKEN; dos man NEEDS_HUMAN")],
                           reg, lane_list, VERBS)
    assert ok == []


def test_man_pages_from_the_workspace(repo, run_dos):
    two_lanes(repo)
    (repo.path / "dos.toml").write_text((repo.path / "dos.toml").read_text() + CUSTOM)
    index = run_dos("man", cwd=repo.path)
    assert index.returncode == 0 and "dos man wedge" in index.stdout and "11 reason(s), 3 lane(s)" in index.stdout
    listing = run_dos("man", "reasons", cwd=repo.path).stdout.splitlines()
    assert listing[0].split() == ["LANE_DRAINED", "TRUE_DRAIN"] and len(listing) == 11
    assert listing[-1].split() == ["NEEDS_HUMAN", "OPERATOR_GATE"]  # a custom reason gets a page too
    custom = run_dos("man", "wedge", "needs_human", "--explain", cwd=repo.path)
    assert custom.returncode == 0 and "TYPICAL FIX ask in the channel" in custom.stdout
    assert custom.stdout.splitlines()[-1].startswith("VALID reason: NEEDS_HUMAN is a refusal")
    data = as_json(run_dos("man", "UNKNOWN_LANE", "--json", "--explain", cwd=repo.path))
    assert (data["section"], data["key"], data["category"]) == ("wedge", "UNKNOWN_LANE", "MISROUTE")
    assert "dos man lane" in data["see_also"] and data["interpretation"].startswith("VALID reason")
    lane = as_json(run_dos("man", "lane", "backend", "--json", cwd=repo.path))  # an alias finds its lane
    assert (lane["name"], lane["kind"], lane["tree"], lane["aliases"]) == ("api", "concurrent", ["src/api/**"],
                                                                           ["backend"])
    lanes_text = run_dos("man", "lane", cwd=repo.path).stdout.split()
    assert lanes_text == ["api", "concurrent", "web", "concurrent", "global", "exclusive"]
    assert "runs alone" in run_dos("man", "global", cwd=repo.path).stdout
    extra = run_dos("man", "wedge", "LANE_DRAINED", "more", cwd=repo.path)
    assert extra.returncode == 1 and extra.stdout == ""
