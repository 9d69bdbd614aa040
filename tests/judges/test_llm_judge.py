"""The llm judge, run by the real CLI against a scripted endpoint on 127.0.0.1: a good answer counts,
a timeout or a malformed answer is ABSTAIN (exit 0, never a traceback), the cost cap stops requests,
and a cached verdict makes no second request."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.judges.server import Scripted


@pytest.fixture
def server():
    s = Scripted()
    yield s
    s.close()


def _workspace(tmp_path: Path, endpoint: str, extra: str = "") -> Path:
    ws = tmp_path / "ws"
    ws.mkdir(exist_ok=True)
    (ws / "dos.toml").write_text(f'[judge]\nendpoint = "{endpoint}"\nmodel = "test-model"\n'
                                 f'api_key_env = "JUDGE_KEY"\ntimeout_s = 1.0\n{extra}')
    return ws


def _cases(ws: Path, *rows: dict) -> Path:
    p = ws / "claims.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return p


TRUE = {"id": "t", "claim_text": "fixed the login timeout", "truth": True, "evidence": "auth.py: timeout 30s"}
FALSE = {"id": "f", "claim_text": "added refund tests", "truth": False, "evidence": "README typo"}


def _eval(run_dos, ws: Path, cases: Path) -> tuple[int, dict, str]:
    r = run_dos("judge-eval", "--judge", "llm", "--cases", str(cases), "--json", cwd=ws, env={"JUDGE_KEY": "sk-test"})
    assert "Traceback" not in r.stderr
    return r.returncode, json.loads(r.stdout), r.stderr


def test_openai_answer_is_the_stance_and_the_request_is_well_formed(tmp_path, run_dos, server):
    """An OpenAI-compatible AGREE clears a true claim; the request carries the model, the claim and the key."""
    ws = _workspace(tmp_path, server.url("/ok-openai/AGREE"))
    code, out, _ = _eval(run_dos, ws, _cases(ws, TRUE))
    assert (code, out["verdict"], out["correct_clear"]) == (0, "no_false_clear", 1)
    assert out["cases"][0]["stance"] == "AGREE"
    (req,) = server.requests
    assert req["body"]["model"] == "test-model"
    assert "fixed the login timeout" in req["body"]["messages"][0]["content"]
    assert req["headers"]["authorization"] == "Bearer sk-test"


def test_anthropic_answer_and_a_false_clear_exits_1(tmp_path, run_dos, server):
    """The Anthropic shape is read too; an AGREE on a false claim is a false clear, exit 1."""
    ws = _workspace(tmp_path, server.url("/ok-anthropic/AGREE"), 'provider = "anthropic"\n')
    code, out, _ = _eval(run_dos, ws, _cases(ws, FALSE))
    assert (code, out["verdict"], out["false_clear"], out["lie_leak_rate"]) == (1, "false_clear", 1, 1.0)
    assert server.requests[0]["headers"]["x-api-key"] == "sk-test"


def test_timeout_is_abstain_not_a_crash(tmp_path, run_dos, server):
    """A server slower than timeout_s gives ABSTAIN, and the run still exits 0."""
    ws = _workspace(tmp_path, server.url("/slow"))
    code, out, _ = _eval(run_dos, ws, _cases(ws, TRUE))
    assert (code, out["abstain_true"], out["cases"][0]["stance"]) == (0, 1, "ABSTAIN")
    assert "timed out" in out["cases"][0]["reason"]
    assert not (ws / ".dos" / "judge-cache").exists() or not list((ws / ".dos" / "judge-cache").iterdir())


@pytest.mark.parametrize("path", ["/not-json", "/wrong-shape", "/maybe"])
def test_malformed_answer_is_abstain(tmp_path, run_dos, server, path):
    """A body that is not JSON, JSON of the wrong shape, or a word that is no stance: ABSTAIN, exit 0."""
    ws = _workspace(tmp_path, server.url(path))
    code, out, _ = _eval(run_dos, ws, _cases(ws, FALSE))
    assert (code, out["cases"][0]["stance"], out["false_clear"]) == (0, "ABSTAIN", 0)
    assert len(server.requests) == 1


def test_cost_cap_stops_requests(tmp_path, run_dos):
    """Once the spend plus the next request's estimate would pass max_cost_usd, no request is sent."""
    s = Scripted(usage_in=1400, usage_out=10)
    try:
        ws = _workspace(tmp_path, s.url("/ok-openai/AGREE"),
                        "usd_per_mtok_in = 1000.0\nusd_per_mtok_out = 1000.0\nmax_cost_usd = 1.5\n")
        rows = [dict(TRUE, id=f"t{i}", claim_text=f"claim number {i}") for i in range(3)]
        code, out, _ = _eval(run_dos, ws, _cases(ws, *rows))
        assert len(s.requests) == 1
        stances = [c["stance"] for c in out["cases"]]
        assert stances == ["AGREE", "ABSTAIN", "ABSTAIN"]
        assert "cost cap" in out["cases"][1]["reason"]
        assert out["cost"] == pytest.approx(1.41)
        assert code == 0
    finally:
        s.close()


def test_cached_verdict_makes_no_second_request(tmp_path, run_dos, server):
    """The second run over the same claim reads .dos/judge-cache and sends nothing; it costs 0."""
    ws = _workspace(tmp_path, server.url("/ok-openai/DISAGREE"), "usd_per_mtok_in = 1.0\n")
    cases = _cases(ws, FALSE)
    _, first, _ = _eval(run_dos, ws, cases)
    _, second, _ = _eval(run_dos, ws, cases)
    assert len(server.requests) == 1
    assert first["cases"][0]["cached"] is False and second["cases"][0]["cached"] is True
    assert second["cases"][0]["stance"] == "DISAGREE" and second["cost"] == 0
    assert len(list((ws / ".dos" / "judge-cache").glob("*.json"))) == 1


def test_cache_off_asks_again(tmp_path, run_dos, server):
    """With cache = false every run sends its request."""
    ws = _workspace(tmp_path, server.url("/ok-openai/DISAGREE"), "cache = false\n")
    cases = _cases(ws, FALSE)
    _eval(run_dos, ws, cases)
    _eval(run_dos, ws, cases)
    assert len(server.requests) == 2


def test_no_endpoint_abstains_without_a_request(tmp_path, run_dos):
    """The llm judge without [judge] endpoint abstains on every claim."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "dos.toml").write_text("")
    r = run_dos("judge-eval", "--judge", "llm", "--cases", str(_cases(ws, TRUE)), "--json", cwd=ws)
    assert r.returncode == 0 and json.loads(r.stdout)["abstain_true"] == 1


def test_bad_judge_config_is_exit_2(tmp_path, run_dos):
    """A wrong type in [judge] names the key and exits 2."""
    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "dos.toml").write_text('[judge]\ntimeout_s = "soon"\n')
    r = run_dos("judge-eval", "--judge", "llm", "--cases", str(_cases(ws, TRUE)), cwd=ws)
    assert r.returncode == 2 and "timeout_s" in r.stderr and "Traceback" not in r.stderr
