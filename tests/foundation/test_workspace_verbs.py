"""dos init, doctor, lint: set-up and health of a workspace."""

from __future__ import annotations

import json
from pathlib import Path

from dos.config import load_config


def test_init_derives_lanes_from_top_level_dirs(run_dos, tmp_path: Path) -> None:
    for d in ("src", "docs", "api", "node_modules", ".hidden", "build", "__pycache__"):
        (tmp_path / d).mkdir()
    (tmp_path / "README.md").write_text("x")
    out = run_dos("init", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "3 concurrent lane(s) (api, docs, src)" in out.stdout
    assert "next: dos doctor" in out.stdout
    cfg = load_config(tmp_path)
    assert cfg.lanes.concurrent == ("api", "docs", "src") == cfg.lanes.autopick
    assert cfg.lanes.exclusive == ("global",)
    assert cfg.lanes.trees["src"] == ("src/**",) and cfg.lanes.trees["global"] == ("**/*",)


def test_init_caps_inferred_lanes_at_twelve(run_dos, tmp_path: Path) -> None:
    for i in range(15):
        (tmp_path / f"d{i:02}").mkdir()
    assert run_dos("init", cwd=tmp_path).returncode == 0
    assert len(load_config(tmp_path).lanes.concurrent) == 12


def test_init_without_source_dirs_makes_one_exclusive_lane(run_dos, tmp_path: Path) -> None:
    assert run_dos("init", str(tmp_path)).returncode == 0
    cfg = load_config(tmp_path)
    assert cfg.lanes.concurrent == () and cfg.lanes.exclusive == ("main",)


def test_init_is_idempotent_and_never_overwrites_without_force(run_dos, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    assert run_dos("init", cwd=tmp_path).returncode == 0
    (tmp_path / "dos.toml").write_text("# mine\n")
    again = run_dos("init", cwd=tmp_path)
    assert again.returncode == 0 and "left unchanged" in again.stdout
    assert (tmp_path / "dos.toml").read_text() == "# mine\n"
    forced = run_dos("init", "--force", cwd=tmp_path)
    assert forced.returncode == 0
    assert load_config(tmp_path).lanes.concurrent == ("src",)


def test_init_target_dir_relative_to_workspace_flag(run_dos, tmp_path: Path) -> None:
    out = run_dos("--workspace", str(tmp_path), "init", "sub")
    assert out.returncode == 0, out.stderr
    assert (tmp_path / "sub" / "dos.toml").is_file()


def test_init_remove_without_hooks_is_a_usage_error(run_dos, tmp_path: Path) -> None:
    out = run_dos("init", "--remove", cwd=tmp_path)
    assert out.returncode == 2 and "--hooks" in out.stderr
    assert not (tmp_path / "dos.toml").exists()


def test_doctor_reports_root_config_lanes_git(run_dos, repo) -> None:
    (repo.path / "src").mkdir()
    run_dos("init", cwd=repo.path)
    sha = repo.commit("first")
    sub = repo.path / "src"
    report = json.loads(run_dos("doctor", "--json", cwd=sub).stdout)
    assert report["workspace"] == str(repo.path) and report["found_by"] == "dos.toml"
    assert report["config"] == str(repo.path / "dos.toml")
    assert report["lanes"]["concurrent"] == ["src"]
    assert report["git"] is True
    assert report["git_detail"] == {"repo": True, "top": str(repo.path), "head": sha}
    assert report["exit_codes"]["verify"]["shipped"] == 0
    assert "engine" in report["store"] and "ok" in report["store"]
    assert not (repo.path / ".dos").exists(), "doctor creates nothing"


def test_doctor_text_outside_git(run_dos, tmp_path: Path) -> None:
    out = run_dos("doctor", cwd=tmp_path)
    assert out.returncode == 0
    assert "not a git repository" in out.stdout and "built-in defaults" in out.stdout


BAD_LANES = """
[lanes]
concurrent = ["api", "web", "both", "bare"]
exclusive = ["both", "global"]
autopick = ["api", "ghost"]
[lanes.trees]
api = ["src/api/**"]
web = ["src/**"]
both = ["x/**"]
global = ["**/*"]
[lanes.aliases]
w = "nowhere"
"""


def test_lint_finds_dead_and_conflicting_policy(run_dos, tmp_path: Path) -> None:
    (tmp_path / "dos.toml").write_text(BAD_LANES)
    out = run_dos("lint", "--json", cwd=tmp_path)
    assert out.returncode == 1
    found = {(f["kind"], f["subject"]) for f in json.loads(out.stdout)["findings"]}
    assert found == {
        ("LANE_WITHOUT_TREE", "bare"),
        ("LANE_BOTH_CONCURRENT_AND_EXCLUSIVE", "both"),
        ("AUTOPICK_LANE_UNDECLARED", "ghost"),
        ("LANE_WITHOUT_TREE", "ghost"),  # as the reference: an autopick lane with no tree cannot be arbitrated
        ("ALIAS_TARGET_UNDECLARED", "w"),
        ("LANE_REGION_SHADOWED", "api"),  # src/api/** lies wholly inside web's src/**
    }
    text = run_dos("lint", cwd=tmp_path).stdout
    assert "[error] LANE_WITHOUT_TREE 'bare'" in text


def test_lint_errors_only_ignores_warnings(run_dos, tmp_path: Path) -> None:
    (tmp_path / "dos.toml").write_text('[lanes]\nconcurrent = ["a"]\n[lanes.trees]\na = ["a/**"]\n'
                                       '[lanes.aliases]\nw = "nowhere"\n')
    assert run_dos("lint", cwd=tmp_path).returncode == 1
    assert run_dos("lint", "--errors-only", cwd=tmp_path).returncode == 0


def test_clean_config_lints_clean_and_doctor_check_passes(run_dos, tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "docs").mkdir()
    run_dos("init", cwd=tmp_path)
    lint = run_dos("lint", cwd=tmp_path)
    assert lint.returncode == 0 and "config clean" in lint.stdout
    assert run_dos("doctor", "--check", cwd=tmp_path).returncode == 0


def test_doctor_check_fails_on_findings(run_dos, tmp_path: Path) -> None:
    (tmp_path / "dos.toml").write_text(BAD_LANES)
    out = run_dos("doctor", "--check", cwd=tmp_path)
    assert out.returncode == 1
    assert "finding: [error] LANE_WITHOUT_TREE 'bare'" in out.stderr
    report = json.loads(run_dos("doctor", "--check", "--json", cwd=tmp_path).stdout)
    assert len(report["findings"]) == 6


def test_tree_escaping_the_workspace_is_a_lint_error(run_dos, tmp_path: Path) -> None:
    (tmp_path / "dos.toml").write_text('[lanes]\nconcurrent = ["a"]\n[lanes.trees]\na = ["../elsewhere/**"]\n')
    out = run_dos("lint", "--json", cwd=tmp_path)
    kinds = {f["kind"] for f in json.loads(out.stdout)["findings"]}
    assert "LANE_TREE_ESCAPES" in kinds and out.returncode == 1


def test_lint_of_ten_thousand_lanes_is_not_quadratic(run_dos, tmp_path: Path) -> None:
    """The overlap search is indexed: disjoint lanes cost no pairwise comparison (the bench times it)."""
    names = [f"w{i}" for i in range(10_000)]
    trees = "".join(f'{n} = ["work/{n}/**"]\n' for n in names)
    (tmp_path / "dos.toml").write_text(f"[lanes]\nconcurrent = {json.dumps(names)}\n[lanes.trees]\n{trees}")
    out = run_dos("lint", "--json", cwd=tmp_path)
    assert out.returncode == 0 and json.loads(out.stdout)["findings"] == []


def test_doctor_says_when_a_wired_hook_would_not_run(run_dos, repo) -> None:
    """Wired and healthy: listed. Its interpreter gone: NOT RUNNING with the fix, and --check fails."""
    repo.write("dos.toml", '[lanes]\nexclusive = ["src"]\n\n[lanes.trees]\nsrc = ["src/"]\n')
    repo.commit("init")
    assert run_dos("init", "--hooks", "claude-code", cwd=repo.path).returncode == 0
    good = json.loads(run_dos("doctor", "--json", cwd=repo.path).stdout)
    assert good["hooks_health"]["claude-code"]["runs"] is True
    settings = repo.path / ".claude" / "settings.local.json"
    data = json.loads(settings.read_text())
    for groups in data["hooks"].values():
        for group in groups:
            for hook in group["hooks"]:
                hook["command"] = hook["command"].replace(hook["command"].split()[0], "/nonexistent/python3", 1)
    settings.write_text(json.dumps(data))
    text = run_dos("doctor", cwd=repo.path)
    assert text.returncode == 0 and "NOT RUNNING" in text.stdout and "fix:" in text.stdout
    checked = run_dos("doctor", "--check", "--json", cwd=repo.path)
    assert checked.returncode == 1
    kinds = {(f["kind"], f["subject"]) for f in json.loads(checked.stdout)["findings"]}
    assert ("HOOK_NOT_RUNNING", "claude-code") in kinds
