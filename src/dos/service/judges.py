"""Judges as a service: find them (built-ins, then the ``dos.judges`` entry points), ask them with
the fail-to-abstain rule, run the ``llm`` judge over HTTP with a timeout, a cost cap and a cache,
and audit a dispatch run (``dos judge wedge``).

Any judge error, timeout or malformed answer is ABSTAIN, never a crash. Built-in names cannot be
shadowed: a plugin registered under one is ignored with a warning.
"""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable, Mapping

from dos.errors import InputError, UsageError
from dos.kernel import judge as kj

GROUP = "dos.judges"
CACHE_DIR = os.path.join(".dos", "judge-cache")


def _plugins(group: str = GROUP) -> tuple[dict[str, Any], list[str]]:
    """name -> entry point for every third-party judge, and the warnings discovery produced."""
    from importlib.metadata import entry_points

    warnings: list[str] = []
    try:
        found = sorted(entry_points(group=group), key=lambda ep: ep.name)
    except Exception as exc:  # a corrupt distribution's metadata: no plugins, never a crash
        return {}, [f"judge plugins could not be listed ({type(exc).__name__}: {exc})"]
    out: dict[str, Any] = {}
    for ep in found:
        if ep.name in kj.BUILTIN_JUDGES:
            if ep.value.split(":")[0].startswith("dos."):
                continue  # DOS's own registration of a built-in
            warnings.append(f"judge plugin {ep.name!r} ({ep.value}) is ignored: a built-in has that name")
            continue
        out.setdefault(ep.name, ep)
    return out, warnings


def names() -> list[str]:
    """Every judge a verb may name: the built-ins and the installed plugins (for ``dos doctor``)."""
    return sorted({*kj.BUILTIN_JUDGES, *_plugins()[0]})


class LlmJudge:
    """The ``llm`` judge: one POST per uncached claim to the endpoint of ``[judge]``."""

    name = "llm"

    def __init__(self, cfg: Any, root: Path, env: Mapping[str, str]) -> None:
        self.cfg, self.root, self.env = cfg, root, env
        self.spent = 0.0
        self.requests = 0

    def _cache_path(self, digest: str) -> Path:
        return self.root / CACHE_DIR / f"{digest}.json"

    def __call__(self, claim: Mapping[str, Any]) -> kj.JudgeVerdict:
        cfg = self.cfg
        if not cfg.endpoint or not cfg.model:
            return kj.abstain("llm", "no [judge] endpoint and model are configured")
        prompt = kj.llm_prompt(claim)
        digest = kj.claim_digest("llm", {"prompt": prompt},
                                 {"provider": cfg.provider, "endpoint": cfg.endpoint, "model": cfg.model})
        if cfg.cache:
            hit = self._cached(digest)
            if hit is not None:
                return hit
        estimate = kj.llm_estimate(prompt, cfg.max_tokens, cfg.usd_per_mtok_in, cfg.usd_per_mtok_out)
        if self.spent + estimate > cfg.max_cost_usd:
            return kj.abstain("llm", f"cost cap reached: {self.spent:.6f} USD spent, the next request could cost "
                                     f"{estimate:.6f} (max_cost_usd {cfg.max_cost_usd})")
        payload = self._post(kj.llm_request(cfg.provider, cfg.model, prompt, cfg.max_tokens))
        stance, tin, tout = kj.llm_answer(cfg.provider, payload)
        cost = kj.llm_cost(tin, tout, cfg.usd_per_mtok_in, cfg.usd_per_mtok_out) if (tin or tout) else estimate
        self.spent += cost
        if stance is None:
            return kj.abstain("llm", "the model's answer is not AGREE, DISAGREE or ABSTAIN", cost)
        v = kj.JudgeVerdict(stance, f"model {cfg.model} answered {stance}", "llm", cost)
        if cfg.cache:
            self._store(digest, v)
        return v

    def _post(self, body: Mapping[str, Any]) -> Any:
        import urllib.request

        cfg = self.cfg
        headers = {"content-type": "application/json"}
        key = self.env.get(cfg.api_key_env, "") if cfg.api_key_env else ""
        if cfg.provider == "anthropic":
            headers["anthropic-version"] = "2023-06-01"
            if key:
                headers["x-api-key"] = key
        elif key:
            headers["authorization"] = f"Bearer {key}"
        req = urllib.request.Request(cfg.endpoint, data=json.dumps(body).encode(), headers=headers, method="POST")
        self.requests += 1
        with urllib.request.urlopen(req, timeout=cfg.timeout_s) as resp:  # noqa: S310 - the configured URL
            raw = resp.read(1 << 20)
        return json.loads(raw.decode("utf-8"))

    def _cached(self, digest: str) -> kj.JudgeVerdict | None:
        try:
            row = json.loads(self._cache_path(digest).read_text())
        except (OSError, ValueError):
            return None
        if not isinstance(row, dict) or row.get("stance") not in kj.STANCES:
            return None
        return kj.JudgeVerdict(row["stance"], f"{row.get('reason', '')} (cached)", "llm", 0.0, True)

    def _store(self, digest: str, v: kj.JudgeVerdict) -> None:
        path = self._cache_path(digest)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.tmp")
            tmp.write_text(json.dumps({"stance": v.stance, "reason": v.reason, "at": int(time.time())}))
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written costs a request next time, nothing more


class Asker:
    """Asks one named judge about claims, abstaining on every failure; keeps the warnings it met."""

    def __init__(self, name: str, *, cfg: Any, root: Path, env: Mapping[str, str] | None = None) -> None:
        self.name, self.cfg = name, cfg
        self.warnings: list[str] = []
        self.llm: LlmJudge | None = None
        self._fn: Callable[[Mapping[str, Any]], Any] | None = None
        self._broken = ""
        plugins, self.warnings = _plugins()
        builtin = {"abstain": kj.judge_abstain, "similarity": kj.judge_similarity,
                   "operator-decision": kj.judge_operator}
        if name in builtin:
            self._fn = builtin[name]
            return
        if name == "llm":
            self.llm = LlmJudge(cfg, root, os.environ if env is None else env)
            self._fn = self.llm
            return
        if name not in plugins:
            known = ", ".join(sorted({*kj.BUILTIN_JUDGES, *plugins}))
            raise UsageError(f"unknown judge {name!r}; known: {known}")
        try:
            obj = plugins[name].load()
            fn = obj() if isinstance(obj, type) else obj
            fn = getattr(fn, "judge", fn)
            if not callable(fn):
                raise TypeError(f"{plugins[name].value} is not callable")
            self._fn = fn
        except Exception as exc:  # fail -> abstain
            self._broken = f"{type(exc).__name__}: {exc}"
            self.warnings.append(f"judge plugin {name!r} failed to load ({self._broken}); it abstains")

    def ask(self, claim: Mapping[str, Any]) -> kj.JudgeVerdict:
        if self._fn is None:
            return kj.abstain(self.name, f"judge '{self.name}' failed to load ({self._broken})")
        box: dict[str, Any] = {}

        def call() -> None:
            try:
                box["raw"] = self._fn(dict(claim))  # type: ignore[misc]
            except BaseException as exc:  # noqa: BLE001 - a judge that raises abstains, whatever it raised
                box["error"] = exc

        worker = threading.Thread(target=call, name=f"judge-{self.name}", daemon=True)
        worker.start()
        worker.join(self.cfg.timeout_s)
        if worker.is_alive():
            return kj.abstain(self.name, f"judge '{self.name}' timed out after {self.cfg.timeout_s:g}s")
        if "error" in box:
            exc = box["error"]
            what = "timed out" if _is_timeout(exc) else f"failed ({type(exc).__name__}: {exc})"
            return kj.abstain(self.name, f"judge '{self.name}' {what}"[:300])
        return kj.coerce(box.get("raw"), self.name)


def _is_timeout(exc: BaseException) -> bool:
    import socket

    return isinstance(exc, (TimeoutError, socket.timeout)) or isinstance(getattr(exc, "reason", None),
                                                                        (TimeoutError, socket.timeout))


# --------------------------------------------------------------------------- judge wedge

def _today(now_ms: int) -> str:
    return time.strftime("%Y-%m-%d", time.gmtime(now_ms / 1000))


def run_record(root: Path, cfg: Any, run_ts: str) -> tuple[Path, dict[str, Any]]:
    """The dispatch-run record RUN_TS: ``<dispatch_loops>/<RUN_TS>.json`` (default .dos/dispatch_loops)."""
    if not run_ts or "/" in run_ts or "\\" in run_ts or run_ts.startswith("."):
        raise UsageError(f"run {run_ts!r} is not a run timestamp (a file name under the dispatch-loops dir)")
    base = Path(cfg.paths.dispatch_loops) if cfg.paths.dispatch_loops else Path(".dos") / "dispatch_loops"
    path = (base if base.is_absolute() else root / base) / f"{run_ts}.json"
    try:
        record = json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"no dispatch run {run_ts!r}: {path} does not exist") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"dispatch run {run_ts!r}: {path} is not readable JSON ({exc})") from None
    if not isinstance(record, dict):
        raise InputError(f"dispatch run {run_ts!r}: {path} is not a JSON object")
    return path, record


def _operator_decision(root: Path, subject: str) -> str:
    """The newest decision a person resolved for SUBJECT in .dos/decisions/resolved.jsonl, or ''."""
    try:
        lines = (root / ".dos" / "decisions" / "resolved.jsonl").read_text().splitlines()
    except OSError:
        return ""
    found = ""
    for line in lines:
        try:
            row = json.loads(line)
        except ValueError:
            continue
        if isinstance(row, dict) and subject and subject in (row.get("subject"), row.get("handle"), row.get("run_ts")):
            found = str(row.get("decision") or row.get("resolution") or "")
    return found


def wedge(ctx: Any, run_ts: str, *, judge: str = "", now_ms: int | None = None) -> tuple[kj.WedgeAudit, list[str]]:
    """Audit dispatch run RUN_TS; when the oracle abstains, ask JUDGE (default ``[judge] default``)."""
    from dos.kernel.reasons import build_registry, classify_reason

    cfg, root = ctx.config, ctx.root
    _, record = run_record(root, cfg, run_ts)
    now = int(time.time() * 1000) if now_ms is None else now_ms
    token = record.get("reason_token") if isinstance(record.get("reason_token"), str) else ""
    cls = classify_reason(token, build_registry(dict(cfg.reasons.custom))) if token else None
    cause = cls.category if cls else "UNCLASSIFIED"
    source = {"exact": "exact", "alias": "exact", "morphological": "morphological"}.get(cls.how if cls else "", "none")
    audit = kj.audit_run(run_ts, record, cause, source, now_ms=now, lanes=cfg.lanes.declared, today=_today(now))
    warnings: list[str] = []
    if audit.oracle == kj.ABSTAIN:
        asker = Asker(judge or cfg.judge.default, cfg=cfg.judge, root=root)
        claim = {"claim_text": f"the dispatch run {run_ts} picked nothing because of {cause}: "
                               f"{record.get('reason', '')}", "evidence": record.get("evidence", ""),
                 "subject": run_ts, "operator_decision": _operator_decision(root, run_ts)}
        audit = replace(audit, judge=asker.ask(claim))
        warnings = asker.warnings
    from dos.service import journal

    journal.record(ctx, "judge", audit, subject=run_ts)
    return audit, warnings
