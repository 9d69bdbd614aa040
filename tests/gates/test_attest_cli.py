"""attest and verify-receipt through the real CLI: every token's exit code, and what makes a receipt INVALID.

A receipt is valid only as the exact bytes ``attest`` wrote: its canonical JSON (RFC 8785)
and one newline. The signature covers the canonical JSON without ``signature``. So:
- a flipped byte anywhere either breaks the JSON (exit 2) or changes the content or its
  canonical form (INVALID, exit 1); it never verifies;
- a reordered field (keys written in another order) keeps the content but not the bytes:
  INVALID ("not its canonical JSON"), even though re-canonicalising would restore them;
- reordering the evidence list, or moving a value from one field to another, changes
  the signed payload itself: INVALID even after re-canonicalising.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest

from dos.exitcodes import EXIT_CODES
from dos.kernel.canonical import canonical
from tests.gates.gatekit import dos, git, out_json

DATA = Path(__file__).with_name("data")
REF_KEY = b"ref-hmac-key"  # the key the reference receipts in data/ were signed with


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(private, public, another public) PEM keys made by ``dos attest --generate-key``."""
    d = tmp_path_factory.mktemp("keys")
    for name in ("signer", "other"):
        r = dos(d, "attest", "--generate-key", str(d / name), "--json")
        assert r.returncode == 0, r.stderr
        assert out_json(r)["key_id"] and (d / name).stat().st_mode & 0o777 == 0o600
    return d / "signer", d / "signer.pub", d / "other.pub"


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    git(tmp_path, "init", "-q", "-b", "main", str(root))
    (root / "log.txt").write_text("the tests passed\n")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "init")
    (root / "before.json").write_text('{"a": 1, "orders:42": null}')
    (root / "after.json").write_text('{"a": 1, "orders:42": {"id": 42}}')
    (root / "bad.json").write_text("{not json")
    return root.resolve()


def _attest(ws: Path, key: Path, *args: str) -> tuple[int, bytes]:
    r = dos(ws, "attest", "--key-file", str(key), "--timestamp", "2025-03-01T10:00:00Z", *args, "--json",
            input=b"")
    assert b"Traceback" not in r.stderr, r.stderr
    return r.returncode, r.stdout


def _verify(ws: Path, data: bytes, key: Path) -> tuple[int, str]:
    r = dos(ws, "verify-receipt", "--key-file", str(key), input=data)
    return r.returncode, r.stdout.decode() + r.stderr.decode()


ATTEST_CASES = [
    pytest.param(["--claim", "orders:42", "--accept-cmd", "true"], "CONFIRMED", id="cmd-exit-0"),
    pytest.param(["--claim", "orders:42", "--accept-cmd", "false"], "REFUTED", id="cmd-exit-1"),
    pytest.param(["--claim", "orders:42", "--accept-cmd", "no-such-program-xyz"], "UNWITNESSED", id="cmd-missing"),
    pytest.param(["--claim", "orders:42", "--before", "before.json", "--after", "after.json"], "CONFIRMED",
                 id="diff-present"),
    pytest.param(["--claim", "orders:43", "--before", "before.json", "--after", "after.json", "--third-party"],
                 "REFUTED", id="diff-absent"),
    pytest.param(["--claim", "a", "--before", "bad.json", "--after", "after.json"], "UNWITNESSED",
                 id="diff-unreadable"),
    pytest.param(["--claim", "", "--accept-cmd", "true"], "NO_CLAIM", id="no-claim"),
]


@pytest.mark.parametrize(("args", "token"), ATTEST_CASES)
def test_attest_tokens_exit_codes_and_a_valid_receipt(ws: Path, keys, args: list[str], token: str) -> None:
    priv, pub, _ = keys
    code, data = _attest(ws, priv, *args)
    receipt = json.loads(data)
    assert receipt["verdict"] == token
    assert code == EXIT_CODES["attest"][token] == {"CONFIRMED": 0, "REFUTED": 1, "UNWITNESSED": 3, "NO_CLAIM": 3}[token]
    assert data == canonical(receipt) + b"\n"
    assert receipt["algorithm"] == "ED25519" and receipt["schema"] == "dos.attest/receipt@2"
    assert receipt["commit"] == git(ws, "rev-parse", "HEAD").stdout.strip()
    assert receipt["timestamp"] == "2025-03-01T10:00:00Z"
    if "--third-party" in args:
        assert receipt["accountability_tier"] == "THIRD_PARTY"
    vcode, out = _verify(ws, data, pub)
    assert vcode == 0 and out.startswith("VALID     ") and f"CARRIES   {token}" in out
    if token == "REFUTED":
        assert "ADVERSE" in out


def test_receipt_names_the_evidence_digests(ws: Path, keys) -> None:
    priv, pub, _ = keys
    _, data = _attest(ws, priv, "--claim", "k", "--accept-cmd", "echo {claim}", "--evidence", "log.txt")
    r = json.loads(data)
    assert r["claim_bound"] is True and r["witness_surface"] == "echo k" and r["witness_exit"] == 0
    names = [e["name"] for e in r["evidence"]]
    assert names == ["stdout", "stderr", "log.txt"]
    assert r["evidence"][0]["sha256"] == hashlib.sha256(b"k\n").hexdigest()
    assert r["evidence"][2] == {"name": "log.txt", "size": 17,
                                "sha256": hashlib.sha256(b"the tests passed\n").hexdigest()}
    unbound = json.loads(_attest(ws, priv, "--claim", "k", "--accept-cmd", "true")[1])
    assert unbound["claim_bound"] is False
    assert "was not given the claim" in _verify(ws, canonical(unbound) + b"\n", pub)[1]


def test_every_flipped_byte_is_rejected(ws: Path, keys) -> None:
    """Flip each byte of a receipt (one bit, and a substitution): nothing but the original verifies."""
    from dos.errors import InputError
    from dos.service.attest import verify

    priv, pub, _ = keys
    _, data = _attest(ws, priv, "--claim", "orders:42", "--accept-cmd", "true")
    key = pub.read_text()
    assert verify(None, data, env={"DOS_ATTEST_KEY": key}).valid
    for i in range(len(data)):
        for new in {data[i] ^ 0x01, data[i] ^ 0x20, ord(" "), ord("0")} - {data[i]}:
            bad = data[:i] + bytes([new]) + data[i + 1:]
            try:
                v = verify(None, bad, env={"DOS_ATTEST_KEY": key})
            except InputError:
                continue  # no longer JSON: rejected as input (exit 2)
            assert not v.valid, (i, chr(data[i]), chr(new))
    assert _verify(ws, data[:-1] + b"\n\n", pub)[0] != 0  # even a second trailing newline


def test_a_wrong_key_is_rejected(ws: Path, keys) -> None:
    priv, _, other = keys
    _, data = _attest(ws, priv, "--claim", "orders:42", "--accept-cmd", "true")
    code, out = _verify(ws, data, other)
    assert code == 1 and out.startswith("INVALID") and "not the key given" in out


def test_reordered_fields_are_rejected(ws: Path, keys) -> None:
    priv, pub, _ = keys
    _, data = _attest(ws, priv, "--claim", "orders:42", "--narrated", "done", "--accept-cmd", "true",
                      "--evidence", "log.txt")
    r = json.loads(data)
    backwards = json.dumps(dict(reversed(list(r.items()))), separators=(",", ":"), ensure_ascii=False).encode()
    code, out = _verify(ws, backwards + b"\n", pub)
    assert code == 1 and "canonical" in out  # same content, other bytes: not the receipt that was signed
    assert canonical(json.loads(backwards)) + b"\n" == data  # (re-canonicalising would restore it)

    swapped = dict(r, evidence=list(reversed(r["evidence"])))
    assert _verify(ws, canonical(swapped) + b"\n", pub)[0] == 1  # the signed payload itself changed
    moved = dict(r, claim=r["narrated"], narrated=r["claim"])
    assert _verify(ws, canonical(moved) + b"\n", pub)[0] == 1
    pretty = json.dumps(r, indent=2, sort_keys=True).encode()
    assert _verify(ws, pretty, pub)[0] == 1


def test_verify_receipt_contract_errors(ws: Path, keys) -> None:
    priv, pub, _ = keys
    _, data = _attest(ws, priv, "--claim", "x", "--accept-cmd", "true")
    assert dos(ws, "verify-receipt", "--key-file", str(pub), input=b"").returncode == 2
    assert dos(ws, "verify-receipt", "--key-file", str(pub), input=b"{nope").returncode == 2
    assert dos(ws, "verify-receipt", input=data).returncode == 2  # no key
    assert dos(ws, "verify-receipt", "--key-file", str(ws / "log.txt"), input=data).returncode == 2  # not a key
    dup = data.replace(b'{"accountability_tier"', b'{"verdict":"REFUTED","accountability_tier"', 1)
    code, out = _verify(ws, dup, pub)
    assert code == 1 and "duplicate key" in out
    path = ws / "r.json"
    path.write_bytes(data)
    r = dos(ws, "verify-receipt", "--receipt", str(path), "--key-file", str(pub), "--json")
    d = out_json(r)
    assert r.returncode == 0 and set(d) == {"valid", "reason", "receipt", "adverse"} and d["valid"] is True
    assert d["adverse"] is False and EXIT_CODES["verify-receipt"] == {"VALID": 0, "INVALID": 1, "contract_error": 2}


def test_attest_contract_errors(ws: Path, keys) -> None:
    priv, pub, _ = keys
    for args in (["--claim", "x"], ["--claim", "x", "--accept-cmd", "true", "--before", "before.json"],
                 ["--claim", "x", "--before", "before.json"], ["--accept-cmd", "true"],
                 ["--claim", "x", "--accept-cmd", "true", "--timestamp", "yesterday"],
                 ["--claim", "x", "--accept-cmd", "true", "--evidence", "missing.txt"]):
        r = dos(ws, "attest", "--key-file", str(priv), *args)
        assert r.returncode == 2 and r.stdout == "" and "Traceback" not in r.stderr, args
    nokey = dos(ws, "attest", "--claim", "x", "--accept-cmd", "true")
    assert nokey.returncode == 2 and "key" in nokey.stderr
    hmac_key = ws / "hmac.key"
    hmac_key.write_bytes(REF_KEY)
    assert dos(ws, "attest", "--claim", "x", "--accept-cmd", "true", "--key-file", str(hmac_key)).returncode == 2
    assert dos(ws, "attest", "--claim", "x", "--accept-cmd", "true", "--key-file", str(pub)).returncode == 2
    assert dos(ws, "attest", "--generate-key", str(priv)).returncode == 2  # never overwrites a key


def test_key_from_the_environment_and_out_file(ws: Path, keys) -> None:
    priv, pub, _ = keys
    out = ws / "receipt.json"
    r = dos(ws, "attest", "--claim", "c", "--accept-cmd", "true", "--out", str(out),
            env={"DOS_ATTEST_KEY": priv.read_text()})
    assert r.returncode == 0 and r.stdout.startswith("VERDICT   CONFIRMED")
    v = dos(ws, "verify-receipt", "--receipt", str(out), env={"DOS_ATTEST_KEY": pub.read_text()})
    assert v.returncode == 0, v.stdout + v.stderr


def test_reference_receipts_are_read_for_compatibility(ws: Path) -> None:
    """A dos-kernel 0.22 receipt@1 verifies with its HMAC key; any change, or a newline shift, does not."""
    key = ws / "hmac.key"
    key.write_bytes(REF_KEY)
    good = (DATA / "ref-receipt-v1.json").read_bytes()
    code, out = _verify(ws, good, key)
    assert code == 0 and "legacy" in out and "CARRIES   CONFIRMED" in out
    r = json.loads(good)
    assert hmac.compare_digest(r["signature"], hmac.new(REF_KEY, "\n".join(
        f"{k}={str(r[k]).lower() if isinstance(r[k], bool) else r[k]}" for k in (
            "schema", "claim", "narrated", "witness_surface", "witness_author", "accountability_tier", "verdict",
            "believe", "refuted", "timestamp", "algorithm")).encode(), hashlib.sha256).hexdigest())
    assert _verify(ws, json.dumps(dict(r, claim="orders:row:43")).encode(), key)[0] == 1
    other = ws / "other.key"
    other.write_bytes(b"not-the-key")
    assert _verify(ws, good, other)[0] == 1
    # The reference accepts this shifted receipt (same signed lines); DOS refuses any receipt@1 with a newline.
    shifted = json.loads((DATA / "ref-receipt-v1-newline.json").read_bytes())
    shifted.update(claim="x\nnarrated=", narrated="y")
    code, out = _verify(ws, json.dumps(shifted).encode(), key)
    assert code == 1 and "ambiguous" in out
    assert _verify(ws, json.dumps(dict(r, accountability_tier="FOO")).encode(), key)[0] == 2
