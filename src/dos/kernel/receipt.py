"""Signed receipts over an effect witness: the join, the receipt's fields, and its check.

``witness_effect`` joins a claim to what independent witnesses read back (a command's
exit status, a state diff): CONFIRMED, REFUTED, UNWITNESSED or NO_CLAIM, believing only
witnesses the agent cannot forge. A receipt (``dos.attest/receipt@2``) carries that
verdict with the witness, the evidence digests, the commit and the time; it is signed
over its canonical JSON (``dos.kernel.canonical``) without the ``signature`` field, and
it is valid only in that canonical form, so any changed byte fails. The reference's
``receipt@1`` (HMAC over ``key=value`` lines, which a newline in a value can forge) is
read, never written. Signing itself happens in the shell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Mapping, Sequence

from dos.kernel.canonical import canonical

SCHEMA = "dos.attest/receipt@2"
SCHEMA_V1 = "dos.attest/receipt@1"
ALGORITHM = "ED25519"
ALGORITHM_V1 = "HMAC-SHA256"


class Tier(StrEnum):
    AGENT_AUTHORED = "AGENT_AUTHORED"  # forgeable: the agent wrote it
    OS_RECORDED = "OS_RECORDED"
    THIRD_PARTY = "THIRD_PARTY"


class Stance(StrEnum):
    ATTESTED = "ATTESTED"
    REFUTED = "REFUTED"
    NO_SIGNAL = "NO_SIGNAL"


class Effect(StrEnum):
    CONFIRMED = "CONFIRMED"
    REFUTED = "REFUTED"
    UNWITNESSED = "UNWITNESSED"
    NO_CLAIM = "NO_CLAIM"


@dataclass(frozen=True, slots=True)
class Readback:
    """What one witness read back about the claim, and how accountable it is."""

    author: str
    tier: Tier
    stance: Stance
    surface: str
    detail: str = ""

    @property
    def forgeable(self) -> bool:
        return self.tier is Tier.AGENT_AUTHORED


@dataclass(frozen=True, slots=True)
class EffectVerdict:
    verdict: Effect
    reason: str
    claim: str
    believe: bool = False
    refuted: bool = False
    witness: Readback | None = None

    @property
    def token(self) -> str:
        return str(self.verdict)

    @property
    def evidence(self) -> dict[str, Any]:
        w = self.witness
        return {"claim": self.claim, "witness_author": w.author if w else "",
                "accountability_tier": str(w.tier) if w else ""}

    def to_dict(self) -> dict[str, Any]:
        return {"verdict": str(self.verdict), "reason": self.reason, "claim": self.claim, "believe": self.believe,
                "refuted": self.refuted, **{k: v for k, v in self.evidence.items() if k != "claim"}}


def witness_effect(claim: str, readbacks: Sequence[Readback]) -> EffectVerdict:
    """Join CLAIM to READBACKS under the evidence floor (``dos.kernel.reward.witness_effect``: only
    non-forgeable witnesses count, a refutation wins a conflict), naming the deciding witness."""
    from dos.kernel.reward import ReadBack
    from dos.kernel.reward import witness_effect as join

    key = claim.strip()
    if not key:
        return EffectVerdict(Effect.NO_CLAIM, "no effect was claimed: nothing to witness", claim)
    found = join(True, [ReadBack(r.author, str(r.tier), str(r.stance)) for r in readbacks])
    if found.state == "UNWITNESSED":
        return EffectVerdict(Effect.UNWITNESSED, f"no accountable witness reached {key!r}: cannot tell whether "
                             f"it happened", claim)
    stance = Stance.REFUTED if found.state == "REFUTED" else Stance.ATTESTED
    w = next(r for r in readbacks if not r.forgeable and r.stance is stance)
    if found.conflict:
        pro = next(r for r in readbacks if not r.forgeable and r.stance is Stance.ATTESTED)
        return EffectVerdict(Effect.REFUTED, f"witnesses disagree on {key!r}: {w.author} saw it absent, "
                             f"{pro.author} present; the conflict counts against the claim", claim, False, True, w)
    if stance is Stance.REFUTED:
        return EffectVerdict(Effect.REFUTED, f"{w.author} ({w.tier}) read the world back and the effect {key!r} "
                             f"is absent{_detail(w)}", claim, False, True, w)
    return EffectVerdict(Effect.CONFIRMED, f"{w.author} ({w.tier}) read the world back and the effect {key!r} "
                         f"is present{_detail(w)}", claim, True, False, w)


def _detail(r: Readback) -> str:
    return f" ({r.detail})" if r.detail else ""


def command_readback(surface: str, status: int | None, tier: Tier = Tier.OS_RECORDED) -> Readback:
    """An acceptance command's exit STATUS as a witness (None: it could not be run)."""
    if status is None:
        return Readback("os_acceptance", tier, Stance.NO_SIGNAL, surface, "the command could not be run")
    stance = Stance.ATTESTED if status == 0 else Stance.REFUTED
    return Readback("os_acceptance", tier, stance, surface, f"exit {status}")


def state_delta(before: Mapping[str, Any], after: Mapping[str, Any]) -> set[str]:
    """The keys AFTER adds or changes relative to BEFORE."""
    return {k for k, v in after.items() if k not in before or before[k] != v}


def state_readback(claim: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None,
                   surface: str, tier: Tier = Tier.OS_RECORDED) -> Readback:
    """A state diff as a witness: the claim key among the added/changed keys; None snapshot: no signal."""
    if before is None or after is None:
        return Readback("state_diff", tier, Stance.NO_SIGNAL, surface, "a snapshot is unreadable")
    hit = claim.strip() in state_delta(before, after)
    return Readback("state_diff", tier, Stance.ATTESTED if hit else Stance.REFUTED, surface,
                    "the key changed between the snapshots" if hit else "the key did not change")


# --------------------------------------------------------------------------- the receipt

FIELDS = ("schema", "claim", "narrated", "verdict", "believe", "refuted", "reason", "witness_author",
          "witness_surface", "witness_exit", "accountability_tier", "claim_bound", "evidence", "commit",
          "timestamp", "algorithm", "key_id", "signature")
_HEX = re.compile(r"[0-9a-f]+")
_STAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z")
_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})")


def format_timestamp(ms: int) -> str:
    """Milliseconds since the epoch as the receipt's UTC time (whole seconds)."""
    return datetime.fromtimestamp(ms // 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_timestamp(text: str) -> str:
    """An RFC 3339 time as the receipt's UTC form; ValueError if it is not one."""
    m = _RFC3339.fullmatch(text.strip())
    if not m:
        raise ValueError(f"{text!r} is not an RFC 3339 time (e.g. 2025-01-31T12:00:00Z)")
    zone = m.group(8).upper()
    iso = f"{m.group(1)}-{m.group(2)}-{m.group(3)}T{m.group(4)}:{m.group(5)}:{m.group(6)}"
    try:
        when = datetime.fromisoformat(iso + ("+00:00" if zone == "Z" else zone))
    except ValueError:
        raise ValueError(f"{text!r} is not a valid date and time") from None
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def evidence_item(name: str, sha256_hex: str, size: int) -> dict[str, Any]:
    return {"name": name, "sha256": sha256_hex, "size": size}


def unsigned(effect: EffectVerdict, *, narrated: str, claim_bound: bool, witness_exit: int | None,
             evidence: Sequence[Mapping[str, Any]], commit: str, timestamp: str, key_id: str) -> dict[str, Any]:
    """The receipt's fields without its signature (what is signed, once canonical)."""
    w = effect.witness
    return {"schema": SCHEMA, "claim": effect.claim, "narrated": narrated, "verdict": str(effect.verdict),
            "believe": effect.believe, "refuted": effect.refuted, "reason": effect.reason,
            "witness_author": w.author if w else "", "witness_surface": w.surface if w else "",
            "witness_exit": witness_exit, "accountability_tier": str(w.tier) if w else "",
            "claim_bound": claim_bound, "evidence": [dict(e) for e in evidence], "commit": commit,
            "timestamp": timestamp, "algorithm": ALGORITHM, "key_id": key_id}


def signed_bytes(receipt: Mapping[str, Any]) -> bytes:
    """The bytes a receipt's signature covers: its canonical JSON without ``signature``."""
    return canonical({k: v for k, v in receipt.items() if k != "signature"})


def shape_error(r: Any) -> str | None:
    """Why R is not a well-formed receipt@2 (None if it is)."""
    if not isinstance(r, dict):
        return "a receipt is a JSON object"
    missing = [k for k in FIELDS if k not in r]
    extra = sorted(set(r) - set(FIELDS))
    if missing or extra:
        return "; ".join(filter(None, (missing and f"missing field(s) {', '.join(missing)}",
                                       extra and f"unknown field(s) {', '.join(extra)}")))
    for key in ("claim", "narrated", "reason", "witness_author", "witness_surface", "commit", "timestamp"):
        if not isinstance(r[key], str):
            return f"field {key!r} must be a string"
    for key in ("believe", "refuted", "claim_bound"):
        if not isinstance(r[key], bool):
            return f"field {key!r} must be true or false"
    if r["schema"] != SCHEMA or r["algorithm"] != ALGORITHM:
        return f"schema/algorithm must be {SCHEMA}/{ALGORITHM}"
    if r["verdict"] not in set(Effect):
        return f"unknown verdict {r['verdict']!r}"
    if r["accountability_tier"] not in {"", *Tier}:
        return f"unknown accountability tier {r['accountability_tier']!r}"
    want = {"CONFIRMED": (True, False), "REFUTED": (False, True)}.get(r["verdict"], (False, False))
    if (r["believe"], r["refuted"]) != want:
        return f"believe/refuted do not match verdict {r['verdict']}"
    if r["witness_exit"] is not None and (isinstance(r["witness_exit"], bool) or not isinstance(r["witness_exit"], int)):
        return "field 'witness_exit' must be an integer or null"
    if not _STAMP.fullmatch(r["timestamp"]):
        return "field 'timestamp' must be YYYY-MM-DDTHH:MM:SSZ"
    if r["commit"] and not (len(r["commit"]) in (40, 64) and _HEX.fullmatch(r["commit"])):
        return "field 'commit' must be a full lowercase commit id or empty"
    if not (isinstance(r["key_id"], str) and len(r["key_id"]) == 64 and _HEX.fullmatch(r["key_id"])):
        return "field 'key_id' must be 64 lowercase hex digits"
    if not (isinstance(r["signature"], str) and len(r["signature"]) == 128 and _HEX.fullmatch(r["signature"])):
        return "field 'signature' must be 128 lowercase hex digits"
    if not isinstance(r["evidence"], list):
        return "field 'evidence' must be a list"
    for i, item in enumerate(r["evidence"]):
        if not (isinstance(item, dict) and set(item) == {"name", "sha256", "size"} and isinstance(item["name"], str)
                and isinstance(item["sha256"], str) and len(item["sha256"]) == 64 and _HEX.fullmatch(item["sha256"])
                and isinstance(item["size"], int) and not isinstance(item["size"], bool) and item["size"] >= 0):
            return f"evidence item {i} must be {{name, sha256 (64 hex), size}}"
    return None


# --------------------------------------------------------------------------- the reference's receipt@1

V1_FIELDS = ("schema", "claim", "narrated", "witness_surface", "witness_author", "accountability_tier", "verdict",
             "believe", "refuted", "timestamp", "algorithm")


def v1_error(r: Any) -> str | None:
    if not isinstance(r, dict):
        return "a receipt is a JSON object"
    for key in (*V1_FIELDS, "signature"):
        if key not in r:
            return f"missing field {key!r}"
    if r["accountability_tier"] not in {"", *Tier}:
        return f"unknown accountability tier {r['accountability_tier']!r}"
    if not isinstance(r["signature"], str):
        return "field 'signature' must be a string"
    return None


def v1_payload(r: Mapping[str, Any]) -> bytes:
    """The reference's canonical bytes: ``key=value`` lines in a fixed order (values unescaped)."""
    def text(v: Any) -> str:
        return ("true" if v else "false") if isinstance(v, bool) else str(v)
    return "\n".join(f"{k}={text(r[k])}" for k in V1_FIELDS).encode("utf-8")


# --------------------------------------------------------------------------- the check's verdict


@dataclass(frozen=True, slots=True)
class ReceiptVerdict:
    valid: bool
    reason: str
    receipt: Any
    key_id: str = ""

    @property
    def token(self) -> str:
        return "VALID" if self.valid else "INVALID"

    @property
    def verdict(self) -> str:
        return self.token

    @property
    def carried(self) -> str:
        return str(self.receipt.get("verdict", "")) if isinstance(self.receipt, dict) else ""

    @property
    def adverse(self) -> bool:
        return self.valid and self.carried == "REFUTED"

    @property
    def evidence(self) -> dict[str, Any]:
        r = self.receipt if isinstance(self.receipt, dict) else {}
        return {"schema": r.get("schema", ""), "carried": self.carried, "key_id": self.key_id}

    def to_dict(self) -> dict[str, Any]:
        return {"valid": self.valid, "reason": self.reason, "receipt": self.receipt, "adverse": self.adverse}


def judge(receipt: Any, *, canonical_form: bool, signature_ok: bool, key_matches: bool, given_key_id: str = "",
          legacy: bool = False) -> ReceiptVerdict:
    """VALID only if the receipt is well formed, in canonical form, signed by the given key, and the
    signature checks; the first failed condition is the reason."""
    if legacy:
        if not signature_ok:
            return ReceiptVerdict(False, "HMAC signature does not match: a field was changed, the key is wrong, "
                                  "or the signature was forged", receipt)
        return ReceiptVerdict(True, f"legacy {SCHEMA_V1} HMAC signature matches (verdict "
                              f"{receipt.get('verdict')}, tier {receipt.get('accountability_tier') or '-'}); "
                              f"this format is ambiguous and DOS no longer writes it", receipt)
    why = shape_error(receipt)
    if why:
        return ReceiptVerdict(False, f"malformed receipt: {why}", receipt)
    if not canonical_form:
        return ReceiptVerdict(False, "the receipt's bytes are not its canonical JSON (keys reordered, whitespace "
                              "or escapes changed): a receipt is valid only byte for byte as signed", receipt)
    if not key_matches:
        return ReceiptVerdict(False, f"signed by key {receipt['key_id'][:16]}…, not the key given "
                              f"({given_key_id[:16]}…)", receipt, given_key_id)
    if not signature_ok:
        return ReceiptVerdict(False, "Ed25519 signature does not match the canonical payload: a field was "
                              "changed or the signature was forged", receipt, given_key_id)
    return ReceiptVerdict(True, f"Ed25519 signature matches (verdict {receipt['verdict']}, tier "
                          f"{receipt['accountability_tier'] or '-'}, key {given_key_id[:16]}…)", receipt, given_key_id)
