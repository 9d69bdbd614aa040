"""The stamp grammar, table-driven: each row is a tiny real history, a query, and the verdict + via."""

from __future__ import annotations

import pytest

from dos.config import Config, StampConfig
from dos.config import Workspace
from dos.service.context import Context
from dos.service.truth import verify

JOB = {"subject_dirs": ("docs",), "progress_markers": ("audit", "wip"), "sub_phase_parent_fallback": True}
BUMP = {"VERSION": "1.0.1\n", "CHANGELOG.md": "- bump\n"}
S, N = True, False
DIRECT, RELEASE, BODY = "direct", "release-prefix", "body-mention"

# (id, commits oldest-first, plan, phase, [stamp], shipped, source, rung, index of the deciding commit)
# A commit is a subject (touching a fresh source file) or (subject, body, files); "{i}" in a
# body is the full sha of commit i.
CORPUS = [
    ("glued", ["AUTH1: ship login"], "AUTH", "AUTH1", {}, S, "grep-subject", DIRECT, 0),
    ("prefixed", ["AUTH: AUTH3 refresh tokens"], "AUTH", "AUTH3", {}, S, "grep-subject", DIRECT, 0),
    ("one-dir", ["src/AUTH: AUTH4 — thing"], "AUTH", "AUTH4", {}, S, "grep-subject", DIRECT, 0),
    ("dotted-dir", ["my.pkg/AUTH54: x"], "AUTH", "AUTH54", {}, S, "grep-subject", DIRECT, 0),
    ("two-dirs", ["docs/notes/AUTH5: deep mention"], "AUTH", "AUTH5", {}, N, "none", "", None),
    ("in-passing", ["feat: something mentions AUTH6 in passing"], "AUTH", "AUTH6", {}, N, "none", "", None),
    ("lowercase", ["auth7: lowercase glued"], "AUTH", "AUTH7", {}, S, "grep-subject", DIRECT, 0),
    ("query-case", ["AUTH1: x"], "auth", "auth1", {}, S, "grep-subject", DIRECT, 0),
    ("no-colon", ["AUTH8 no colon"], "AUTH", "AUTH8", {}, N, "none", "", None),
    ("glued-any-plan", ["AUTH1: x"], "BILL", "AUTH1", {}, S, "grep-subject", DIRECT, 0),
    ("wrong-plan-prefix", ["AUTHX: AUTH1 x"], "AUTH", "AUTH1", {}, N, "none", "", None),
    ("conventional-scope", ["fix(AUTH): AUTH1 x"], "AUTH", "AUTH1", {}, N, "none", "", None),
    ("glued-at-end", ["AUTH1:"], "AUTH", "AUTH1", {}, S, "grep-subject", DIRECT, 0),
    ("glued-nospace", ["AUTH1:nospace"], "AUTH", "AUTH1", {}, N, "none", "", None),
    # boundaries
    ("not-AUTH10", ["AUTH10: x"], "AUTH", "AUTH1", {}, N, "none", "", None),
    ("not-AUTH1.2", ["AUTH1.2: x"], "AUTH", "AUTH1", {}, N, "none", "", None),
    ("not-AUTH1-x-glued", ["AUTH1-x: y"], "AUTH", "AUTH1", {}, N, "none", "", None),
    ("not-AUTH1-x", ["AUTH: AUTH1-x stuff"], "AUTH", "AUTH1", {}, N, "none", "", None),
    ("subphase-parent-no", ["AUTH12.1: subphase"], "AUTH", "AUTH12", {}, N, "none", "", None),
    ("subphase-itself", ["AUTH12.1: subphase"], "AUTH", "AUTH12.1", {}, S, "grep-subject", DIRECT, 0),
    ("underscore-bounds", ["AUTH: AUTH2_foo bar"], "AUTH", "AUTH2", {}, S, "grep-subject", DIRECT, 0),
    ("comma-bounds", ["AUTH: AUTH55, AUTH56 together"], "AUTH", "AUTH55", {}, S, "grep-subject", DIRECT, 0),
    ("second-in-list", ["AUTH: AUTH55, AUTH56 together"], "AUTH", "AUTH56", {}, N, "none", "", None),
    ("hyphen-range", ["AUTH: AUTH57-AUTH58"], "AUTH", "AUTH57", {}, N, "none", "", None),
    ("trailing-period", ["AUTH: AUTH21."], "AUTH", "AUTH21", {}, S, "grep-subject", DIRECT, 0),
    ("trailing-period-release", ["v1.0.0: release closes AUTH9."], "AUTH", "AUTH9", {}, S, "grep-subject", RELEASE, 0),
    # release prefix and body mention
    ("release-a", ["v1.2.3: release with AUTH9 and AUTH10"], "AUTH", "AUTH9", {}, S, "grep-subject", RELEASE, 0),
    ("release-b", ["v1.2.3: release with AUTH9 and AUTH10"], "AUTH", "AUTH10", {}, S, "grep-subject", RELEASE, 0),
    ("release-big-numbers", ["v10.20.30: AUTH63 big"], "AUTH", "AUTH63", {}, S, "grep-subject", RELEASE, 0),
    ("two-part-release", ["v1.2: AUTH3 two-part release"], "AUTH", "AUTH3", {}, N, "none", "", None),
    ("body-mention", [("v3.0.0: summary only", "AUTH13 lives in the body", {"src/a.py": "a"})],
     "AUTH", "AUTH13", {}, S, "grep-subject", BODY, 0),
    ("body-not-release", [("feat: stuff", "AUTH49 done", {"src/a.py": "a"})], "AUTH", "AUTH49", {}, N, "none", "", None),
    ("body-bare-phase", [("v2.0.0: stuff", "Phase 3 landed", {"src/a.py": "a"})], "AUTH", "Phase 3", {}, N, "none", "", None),
    ("body-series-phase", [("v2.0.0: stuff", "AUTH Phase 3 landed", {"src/a.py": "a"})],
     "AUTH", "Phase 3", {}, S, "grep-subject", BODY, 0),
    ("release-bundle", ["docs/HYG: fix AUTH48 and more"], "AUTH", "AUTH48",
     {"summary_bundle_prefixes": ("docs/HYG:",)}, S, "grep-subject", RELEASE, 0),
    ("release-progress", ["v1.0.0: AUTH50 audit"], "AUTH", "AUTH50", {"progress_markers": ("audit",)}, N, "none", "", None),
    # Phase N synonyms
    ("phase-n", ["AUTH: Phase 14 generic"], "AUTH", "Phase 14", {}, S, "grep-subject", DIRECT, 0),
    ("phase-n-as-id", ["AUTH: Phase 14 generic"], "AUTH", "AUTH14", {}, S, "grep-subject", DIRECT, 0),
    ("phase-bare-number", ["AUTH: Phase 14 generic"], "AUTH", "14", {}, N, "none", "", None),
    ("phase-query-id-subject", ["AUTH14: x"], "AUTH", "Phase 14", {}, S, "grep-subject", DIRECT, 0),
    ("spaced-series", ["blktrace auto-install Phase 1: opt-in flag"], "blktrace auto-install", "Phase 1", {},
     S, "grep-subject", DIRECT, 0),
    ("prime-query", ["AUTH: AUTH3' tweak"], "AUTH", "AUTH3prime", {}, S, "grep-subject", DIRECT, 0),
    ("prime-subject", ["AUTH: AUTH3prime tweak"], "AUTH", "AUTH3'", {}, S, "grep-subject", DIRECT, 0),
    # bookkeeping guards
    ("snapshot", ["working-dir snapshot: AUTH11: x"], "AUTH", "AUTH11", {}, N, "none", "", None),
    ("snapshot-2", ["pre-merge snapshot: AUTH53 x"], "AUTH", "AUTH53", {}, N, "none", "", None),
    ("archive", ["chore: archive 20260530T093407Z AUTH15: x"], "AUTH", "AUTH15", {}, N, "none", "", None),
    ("rollup", ["rollup 20260101 AUTH45: x"], "AUTH", "AUTH45", {}, N, "none", "", None),
    ("bookkeeping-off", ["docs/AUTH: AUTH46 x"], "AUTH", "AUTH46", {}, S, "grep-subject", DIRECT, 0),
    ("bookkeeping-on", ["docs/AUTH: AUTH46 x"], "AUTH", "AUTH46", {"bookkeeping_prefixes": ("docs/AUTH:",)},
     N, "none", "", None),
    # subject dirs and progress demotion (the reference's job grammar)
    ("dirs-required", ["AUTH47: x"], "AUTH", "AUTH47", {"subject_dirs": ("docs",)}, N, "none", "", None),
    ("dirs-given", ["docs/AUTH: AUTH47 x"], "AUTH", "AUTH47", {"subject_dirs": ("docs",)}, S, "grep-subject", DIRECT, 0),
    ("generic-audit", ["docs/RS: RS4 audit of things"], "RS", "RS4", {}, S, "grep-subject", DIRECT, 0),
    ("job-audit", ["docs/RS: RS4 audit of things"], "RS", "RS4", JOB, N, "none", "", None),
    ("progress-then-real", ["AUTH: AUTH51 real", "AUTH: AUTH51 wip"], "AUTH", "AUTH51", JOB | {"subject_dirs": ()},
     S, "grep-subject", DIRECT, 0),
    ("hyphen-phase", ["docs/RS: RS7-port done"], "RS", "RS7-port", JOB, S, "grep-subject", DIRECT, 0),
    ("hyphen-parent", ["docs/RS: RS7-port done"], "RS", "RS7", JOB, N, "none", "", None),
    ("sub-phase-parent", ["docs/RS: RS8 port the thing"], "RS", "RS8-port", JOB, S, "grep-subject", "sub-phase-parent", 0),
    ("sub-phase-off", ["docs/RS: RS8 port the thing"], "RS", "RS8-port", {"subject_dirs": ("docs",)}, N, "none", "", None),
    # trailer
    ("trailer-off", ["feat(pypi): wheels (docs/286 Phase 3)"], "docs/286", "Phase 3", {}, N, "none", "", None),
    ("trailer-on", ["feat(pypi): wheels (docs/286 Phase 3)"], "docs/286", "Phase 3", {"trailer_stamp": True},
     S, "grep-subject", "trailer", 0),
    ("trailer-head", ["feat(pypi): wheels (docs/286 Phase 3)"], "docs/286_shipping-wheels", "Phase 3",
     {"trailer_stamp": True}, S, "grep-subject", "trailer", 0),
    ("trailer-refs", ["feat: wheels (refs AUTH AUTH60)"], "AUTH", "AUTH60", {"trailer_stamp": True},
     S, "grep-subject", "trailer", 0),
    ("trailer-not-last", ["feat: (AUTH AUTH61) more"], "AUTH", "AUTH61", {"trailer_stamp": True}, N, "none", "", None),
    # hyg slug
    ("hyg-slug", ["docs/HYG: fix stale cache eviction"], "HYG", "stale-cache",
     {"summary_bundle_prefixes": ("docs/HYG:",)}, S, "grep-subject", "hyg-slug", 0),
    # newest decisive hit wins; a weaker newer mention never hides an older direct stamp
    ("direct-beats-newer-release", ["AUTH: AUTH52 real", "v1.0.0: AUTH52 mention"], "AUTH", "AUTH52", {},
     S, "grep-subject", DIRECT, 0),
    ("newest-direct", ["AUTH: AUTH59 first", "AUTH: AUTH59 again"], "AUTH", "AUTH59", {}, S, "grep-subject", DIRECT, 1),
    # release-bump / ledger demotion
    ("bump-demoted", [("v1.0.0: release with AUTH30 closer", "", BUMP)], "AUTH", "AUTH30", {}, N, "none", RELEASE, 0),
    ("bump-hides-nothing", ["AUTH40: real code", ("AUTH40: bump version", "", BUMP)], "AUTH", "AUTH40", {},
     S, "grep-subject", DIRECT, 0),
    ("ledger-only", [("AUTH41: update state", "", {"dos.state.yaml": "x: 1\n"})], "AUTH", "AUTH41", {},
     N, "none", DIRECT, 0),
    ("empty-commit", [("AUTH42: allow-empty", "", {})], "AUTH", "AUTH42", {}, S, "grep-subject", DIRECT, 0),
    ("init-py-is-code", [("AUTH43: export", "", {"pkg/__init__.py": "x = 1\n"})], "AUTH", "AUTH43", {},
     S, "grep-subject", DIRECT, 0),
    # reverts
    ("revert-subject-only", ['Revert "AUTH13: thing"'], "AUTH", "AUTH13", {}, N, "none", "", None),
    ("reverted", ["AUTH13: thing", ('Revert "AUTH13: thing"', "This reverts commit {0}.", {"src/r.py": "r"})],
     "AUTH", "AUTH13", {}, N, "reverted", DIRECT, 0),
    ("reverted-abbrev", ["AUTH13: thing", ("undo", "This reverts commit {0:.10}.", {"src/r.py": "r"})],
     "AUTH", "AUTH13", {}, N, "reverted", DIRECT, 0),
    ("revert-reverted", ["AUTH13: thing", ("Revert A", "This reverts commit {0}.", {"src/r.py": "r"}),
                         ("Reapply A", "This reverts commit {1}.", {"src/r.py": "r2"})],
     "AUTH", "AUTH13", {}, S, "grep-subject", DIRECT, 0),
    ("reshipped", ["AUTH13: thing", ("Revert A", "This reverts commit {0}.", {"src/r.py": "r"}), "AUTH13: again"],
     "AUTH", "AUTH13", {}, S, "grep-subject", DIRECT, 2),
    ("older-ship-survives", ["AUTH13: first", "AUTH: AUTH13 more", ("Revert B", "This reverts commit {1}.", {"src/r.py": "r"})],
     "AUTH", "AUTH13", {}, S, "grep-subject", DIRECT, 0),
]


def _build(tmp_path, commits, fast_history):
    path = tmp_path / "h"
    shas: list[str] = []
    for i, c in enumerate(commits):
        subject, body, files = (c, "", {f"src/m{i}.py": f"{i}\n"}) if isinstance(c, str) else c
        shas += fast_history(path, [(subject, body.format(*shas), files)])
    return path, shas


@pytest.mark.parametrize("case", CORPUS, ids=[c[0] for c in CORPUS])
def test_corpus(tmp_path, case, fast_import):
    """Each subject gets the verdict, the via and the deciding commit the grammar promises."""
    _id, commits, plan, phase, stamp, shipped, source, rung, index = case
    path, shas = _build(tmp_path, commits, fast_import)
    v = verify(Context(Workspace(path, "cwd"), Config(stamp=StampConfig(**stamp))), plan, phase)
    assert (v.shipped, v.source, v.rung) == (shipped, source, rung), v
    assert v.sha == (shas[index][:7] if index is not None else "")
    if source == "reverted":
        assert v.reverted_by == shas[-1][:7] and shas[-1][:7] in v.summary


def test_corpus_is_big_enough():
    assert len(CORPUS) >= 60
