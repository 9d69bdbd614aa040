"""The admission conjunction: predicates only refuse, and a broken one refuses; plugins load lazily."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from dos import plugins
from dos.kernel.admission import SelfModify, disjointness, run_predicates
from dos.kernel.arbiter import arbitrate
from dos.kernel.lanes import LaneRequest, Taxonomy
from dos.kernel.lease import Lease

TAX = Taxonomy(concurrent=("api", "src"), exclusive=("global",), autopick=("api", "src"),
               trees={"api": ("api/**",), "src": ("src/**",), "global": ("**/*",)})
REQ = LaneRequest(lane="api", kind="cluster")


def admit(request, tree, live):
    return None


def always_refuse(request, tree, live):
    return "house rule: no work on Fridays"


def explode(request, tree, live):
    raise RuntimeError("boom")


def wrong_type(request, tree, live):
    return True


class TestRunPredicates:
    def test_all_admit(self) -> None:
        assert run_predicates([admit, admit], REQ, ("api/**",), []) is None

    def test_first_refusal_wins(self) -> None:
        assert run_predicates([admit, always_refuse, explode], REQ, ("api/**",), []) == "house rule: no work on Fridays"

    def test_raising_predicate_refuses_naming_it(self) -> None:
        reason = run_predicates([explode], REQ, ("api/**",), [])
        assert reason is not None and "'explode' raised" in reason and "boom" in reason

    def test_wrong_return_type_refuses(self) -> None:
        reason = run_predicates([wrong_type], REQ, ("api/**",), [])
        assert reason is not None and "returned a bool" in reason

    def test_named_predicate_object(self) -> None:
        reason = run_predicates([SelfModify(("api/x.py",))], REQ, ("api/**",), [])
        assert reason is not None and "SELF_MODIFY" in reason and "api/x.py" in reason


class TestArbiterUsesPredicates:
    def test_plugin_refusal_refuses_the_grant(self) -> None:
        d = arbitrate(REQ, [], TAX, predicates=[always_refuse])
        assert d.outcome == "refuse" and d.reason == "house rule: no work on Fridays"

    def test_plugin_refusal_blocks_autopick_too(self) -> None:
        assert arbitrate(LaneRequest(), [], TAX, predicates=[explode]).outcome == "refuse"

    def test_raising_plugin_never_admits(self) -> None:
        d = arbitrate(REQ, [], TAX, predicates=[explode])
        assert d.outcome == "refuse" and "fail-closed" in d.reason

    def test_predicates_cannot_admit_a_collision(self) -> None:
        """Predicates only refuse: an always-admit plugin cannot override disjointness."""
        held = Lease("L1", 1, "api", "cluster", ("api/**",), "a", 0, 0, 1000)
        r = LaneRequest(lane="k", kind="keyword", tree=("api/x/**",))
        assert arbitrate(r, [held], TAX, predicates=[admit]).outcome == "refuse"

    def test_self_modify_protects_listed_files(self) -> None:
        tax = Taxonomy(concurrent=("src",), exclusive=(), autopick=("src",), trees={"src": ("src/**",)},
                       protected=("src/dos/kernel/arbiter.py",))
        d = arbitrate(LaneRequest(lane="src", kind="cluster"), [], tax)
        assert d.outcome == "refuse" and "SELF_MODIFY" in d.reason
        d = arbitrate(LaneRequest(lane="docs", kind="keyword", tree=("src/dos/cli/**",)), [], tax)
        assert d.outcome == "acquire"

    def test_self_modify_with_universal_tree(self) -> None:
        assert SelfModify(("src/dos/config.py",))(REQ, ("**/*",), []) is not None
        assert SelfModify(())(REQ, ("**/*",), []) is None

    def test_disjointness_names_the_holder(self) -> None:
        held = Lease("L9", 9, "src", "cluster", ("src/**",), "agentZ", 0, 0, 1000)
        reason = disjointness(LaneRequest(lane="k"), ("src/a.py",), [held])
        assert reason is not None and "agentZ" in reason and "L9" in reason


def _install_plugin(site: Path, body: str, entry: str) -> None:
    """A real distribution on sys.path: a module plus dist-info with an entry point."""
    module = entry.split("=")[1].split(":")[0].strip()
    (site / f"{module}.py").write_text(textwrap.dedent(body))
    info = site / f"{module}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: dosplug-test\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[dos.predicates]\n{entry}\n")


class TestPluginDiscovery:
    def test_plugin_loaded_and_refuses(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        _install_plugin(tmp_path, """
            class NoDocs:
                name = "no-docs"
                def __call__(self, request, tree, live):
                    return "no docs today" if any(t.startswith("api") for t in tree) else None
            """, "nodocs = dosplug_ok:NoDocs")
        monkeypatch.syspath_prepend(str(tmp_path))
        found = plugins.discover()
        assert plugins.names(found) == ["no-docs"]
        assert arbitrate(REQ, [], TAX, predicates=found).reason == "no docs today"

    def test_broken_plugin_refuses_instead_of_crashing(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        _install_plugin(tmp_path, "raise ImportError('missing dependency')\n", "broken = dosplug_broken:rule")
        monkeypatch.syspath_prepend(str(tmp_path))
        found = plugins.discover()
        d = arbitrate(REQ, [], TAX, predicates=found)
        assert d.outcome == "refuse" and "'broken' failed to load" in d.reason and "missing dependency" in d.reason

    def test_no_plugins_installed_is_empty(self) -> None:
        assert plugins.discover("dos.predicates.none-here") == ()

    def test_protected_files_only_those_that_exist(self, tmp_path: Path) -> None:
        (tmp_path / "src/dos/config").mkdir(parents=True)
        (tmp_path / "src/dos/plugins.py").write_text("")
        assert plugins.protected_files(tmp_path) == ("src/dos/config", "src/dos/plugins.py")
        assert plugins.protected_files(tmp_path / "src") == ()
