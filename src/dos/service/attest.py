"""attest and verify-receipt: witness a claim, sign the receipt with Ed25519, check one.

Signing needs the ``attest`` extra (the ``cryptography`` package, imported only here and
only when a key is used). The key comes from ``--key-file`` or ``$DOS_ATTEST_KEY``: an
Ed25519 private key in PEM to sign; its public key (or the private one) in PEM to verify.
A reference ``receipt@1`` is checked with its HMAC key (the raw bytes), for compatibility.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import shlex
import subprocess
from pathlib import Path
from typing import Any, Mapping, Sequence

from dos import git
from dos.errors import InputError, UsageError
from dos.kernel.canonical import canonical, parse_strict
from dos.kernel.receipt import (
    ALGORITHM_V1,
    SCHEMA_V1,
    V1_FIELDS,
    EffectVerdict,
    ReceiptVerdict,
    Tier,
    command_readback,
    evidence_item,
    format_timestamp,
    judge,
    parse_timestamp,
    signed_bytes,
    state_readback,
    unsigned,
    v1_error,
    v1_payload,
    witness_effect,
)
from dos.service import journal
from dos.service.context import Context

KEY_ENV = "DOS_ATTEST_KEY"
CLAIM_PLACEHOLDER = "{claim}"


def _crypto() -> Any:
    try:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import ed25519
    except ImportError:
        raise UsageError("signed receipts need the 'attest' extra: pip install 'dos[attest]' "
                         "(it brings the cryptography package)") from None
    return serialization, ed25519


def key_bytes(key_file: str | None, env: Mapping[str, str]) -> bytes:
    """The key material: ``--key-file`` (raw bytes) › ``$DOS_ATTEST_KEY`` (UTF-8) › usage error."""
    if key_file:
        try:
            return Path(key_file).read_bytes()
        except OSError as exc:
            raise UsageError(f"--key-file {key_file}: {exc.strerror}") from None
    value = env.get(KEY_ENV, "")
    if value:
        return value.encode("utf-8")
    raise UsageError(f"no key: pass --key-file PATH or set ${KEY_ENV} (make a key pair with "
                     f"`dos attest --generate-key PATH`)")


def _raw_public(public: Any) -> bytes:
    serialization, _ = _crypto()
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: Any) -> str:
    """A key's id: the SHA-256 of its raw 32-byte public key, in hex."""
    return hashlib.sha256(_raw_public(public)).hexdigest()


def signing_key(data: bytes) -> Any:
    serialization, ed25519 = _crypto()
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError):
        key = None
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise UsageError("the signing key must be an Ed25519 private key in PEM (PKCS#8, unencrypted); make one "
                         "with `dos attest --generate-key PATH` (receipts are no longer HMAC-signed)")
    return key


def verifying_key(data: bytes) -> Any:
    serialization, ed25519 = _crypto()
    for load in (serialization.load_pem_public_key, lambda d: serialization.load_pem_private_key(d, password=None)):
        try:
            key = load(data)
        except (ValueError, TypeError):
            continue
        if isinstance(key, ed25519.Ed25519PrivateKey):
            key = key.public_key()
        if isinstance(key, ed25519.Ed25519PublicKey):
            return key
    raise UsageError("the verifying key must be an Ed25519 public (or private) key in PEM; "
                     "`dos attest --generate-key PATH` writes PATH.pub")


def generate_key(path: str) -> dict[str, str]:
    """Write a new Ed25519 private key to PATH (mode 0600) and its public key to PATH.pub; never overwrites."""
    serialization, ed25519 = _crypto()
    priv_path, pub_path = Path(path), Path(path + ".pub")
    for p in (priv_path, pub_path):
        if p.exists():
            raise UsageError(f"{p} already exists: pick another path (a key is never overwritten)")
    key = ed25519.Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    try:
        fd = os.open(priv_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        pub_path.write_bytes(pub)
    except OSError as exc:
        raise UsageError(f"cannot write the key to {priv_path}: {exc.strerror}") from None
    return {"private_key": str(priv_path), "public_key": str(pub_path), "key_id": key_id(key.public_key())}


# --------------------------------------------------------------------------- attest


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _snapshot(path: str) -> tuple[dict[str, Any] | None, bytes | None]:
    try:
        data = Path(path).read_bytes()
    except OSError:
        return None, None
    try:
        value = parse_strict(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return None, data
    return (value if isinstance(value, dict) else None), data


def attest(ctx: Context, claim: str, *, narrated: str = "", accept_cmd: str | None = None,
           before: str | None = None, after: str | None = None, third_party: bool = False,
           key_file: str | None = None, timestamp: str | None = None, evidence: Sequence[str] = (),
           commit: str | None = None, env: Mapping[str, str] | None = None) -> tuple[dict[str, Any], EffectVerdict]:
    """Witness CLAIM through one surface, and sign a receipt@2 over the verdict; (receipt, verdict)."""
    env = os.environ if env is None else env
    has_cmd, has_diff = accept_cmd is not None, before is not None or after is not None
    if has_cmd == has_diff:
        raise UsageError("give one witness surface: --accept-cmd CMD, or --before B --after A")
    if has_diff and (before is None or after is None):
        raise UsageError("--before and --after go together: both state snapshots are needed")
    if third_party and not has_diff:
        raise UsageError("--third-party tags a state-diff witness; it needs --before/--after")
    key = signing_key(key_bytes(key_file, env))  # no key, no receipt: never an unsigned one
    try:
        stamp = parse_timestamp(timestamp) if timestamp else format_timestamp(ctx.now_ms())
    except ValueError as exc:
        raise UsageError(f"--timestamp: {exc}") from None
    items: list[dict[str, Any]] = []
    witness_exit = None
    bound = False
    if has_cmd:
        try:
            argv = shlex.split(accept_cmd or "")
        except ValueError as exc:
            raise UsageError(f"--accept-cmd cannot be split into words: {exc}") from None
        if not argv:
            raise UsageError("--accept-cmd is empty")
        bound = any(CLAIM_PLACEHOLDER in a for a in argv)
        argv = [a.replace(CLAIM_PLACEHOLDER, claim) for a in argv]
        surface = shlex.join(argv)
        try:
            done = subprocess.run(argv, cwd=ctx.root, capture_output=True, stdin=subprocess.DEVNULL,
                                  env={**os.environ, "DOS_CLAIM": claim}, check=False)
            witness_exit = done.returncode
            items += [evidence_item("stdout", _digest(done.stdout), len(done.stdout)),
                      evidence_item("stderr", _digest(done.stderr), len(done.stderr))]
        except OSError:
            witness_exit = None
        readback = command_readback(surface, witness_exit)
    else:
        tier = Tier.THIRD_PARTY if third_party else Tier.OS_RECORDED
        snaps = []
        for label, path in (("before", before), ("after", after)):
            value, data = _snapshot(path or "")
            snaps.append(value)
            if data is not None:
                items.append(evidence_item(f"{label}:{path}", _digest(data), len(data)))
        readback = state_readback(claim, snaps[0], snaps[1], f"{before}→{after}", tier)
    for path in evidence:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise UsageError(f"--evidence {path}: {exc.strerror}") from None
        items.append(evidence_item(path, _digest(data), len(data)))
    effect = witness_effect(claim, [readback])
    sha = _commit(ctx, commit)
    body = unsigned(effect, narrated=narrated, claim_bound=bound, witness_exit=witness_exit, evidence=items,
                    commit=sha, timestamp=stamp, key_id=key_id(key.public_key()))
    receipt = {**body, "signature": key.sign(signed_bytes(body)).hex()}
    journal.record(ctx, "attest", effect, subject=claim[:200])
    return receipt, effect


def _commit(ctx: Context, ref: str | None) -> str:
    if ref:
        return git.resolve_ref(ctx.root, ref)
    if not git.is_repo(ctx.root):
        return ""
    return git.head_sha(ctx.root) or ""


def receipt_bytes(receipt: Mapping[str, Any]) -> bytes:
    """A receipt as it is written and verified: its canonical JSON and one newline."""
    return canonical(dict(receipt)) + b"\n"


# --------------------------------------------------------------------------- verify-receipt


def verify(ctx: Context | None, data: bytes, *, key_file: str | None = None,
           env: Mapping[str, str] | None = None) -> ReceiptVerdict:
    """Check a receipt's bytes. Input that is not a JSON object at all is an InputError (exit 2)."""
    env = os.environ if env is None else env
    if not data.strip():
        raise InputError("no receipt: pass --receipt PATH or pipe a receipt JSON on stdin")
    key = key_bytes(key_file, env)
    body = data[:-1] if data.endswith(b"\n") else data
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError("the receipt is not UTF-8 text") from None
    try:
        obj = parse_strict(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"the receipt is not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except ValueError as exc:
        verdict = ReceiptVerdict(False, f"malformed receipt: {exc}", None)
        journal.record(ctx, "verify-receipt", verdict)
        return verdict
    if isinstance(obj, dict) and obj.get("schema") == SCHEMA_V1:
        verdict = _verify_v1(obj, key)
    else:
        verdict = _verify_v2(obj, body, key)
    journal.record(ctx, "verify-receipt", verdict)
    return verdict


def _verify_v1(obj: dict[str, Any], key: bytes) -> ReceiptVerdict:
    why = v1_error(obj)
    if why:
        raise InputError(f"malformed receipt ({why})")
    if obj.get("algorithm") != ALGORITHM_V1:
        return ReceiptVerdict(False, f"a {SCHEMA_V1} receipt names algorithm {obj.get('algorithm')!r}, which "
                              f"has no defined signature; only {ALGORITHM_V1} receipt@1 can be checked", obj)
    if not obj["signature"]:
        return ReceiptVerdict(False, "the receipt carries no signature", obj)
    shifty = [k for k in V1_FIELDS if isinstance(obj[k], str) and "\n" in obj[k]]
    if shifty:
        return ReceiptVerdict(False, f"a {SCHEMA_V1} receipt with a newline in {', '.join(shifty)} is ambiguous "
                              f"(its signed lines can be shifted between fields): refused", obj)
    want = hmac.new(key, v1_payload(obj), hashlib.sha256).hexdigest()
    return judge(obj, canonical_form=True, signature_ok=hmac.compare_digest(want, obj["signature"]),
                 key_matches=True, legacy=True)


def _verify_v2(obj: Any, body: bytes, key: bytes) -> ReceiptVerdict:
    from dos.kernel.canonical import NotCanonicalisable
    from dos.kernel.receipt import shape_error

    if shape_error(obj):
        return judge(obj, canonical_form=False, signature_ok=False, key_matches=False)
    public = verifying_key(key)
    given = key_id(public)
    try:
        in_canonical_form = body == canonical(obj)
    except NotCanonicalisable:
        in_canonical_form = False
    matches = obj["key_id"] == given
    ok = False
    if in_canonical_form and matches:
        from cryptography.exceptions import InvalidSignature

        try:
            public.verify(bytes.fromhex(obj["signature"]), signed_bytes(obj))
            ok = True
        except InvalidSignature:
            ok = False
    return judge(obj, canonical_form=in_canonical_form, signature_ok=ok, key_matches=matches, given_key_id=given)
