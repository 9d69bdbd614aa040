"""JSON through CPython's C accelerator, without importing ``json``.

``import json`` pulls in ``re`` and ``enum``: about 8 ms, half a hook's budget on every tool
call. The C scanner and encoder that ``json`` itself uses need no regular expressions, so
the hook path reads and writes JSON here. Output equals ``json.dumps`` with the same
options (a property test holds the two equal); without ``_json`` this falls back to ``json``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable

try:
    import _json
except ImportError:  # pragma: no cover - every CPython build has it
    _json = None  # type: ignore[assignment]

_WS = " \t\n\r"


class _Context:
    """The attributes the C scanner reads from a ``JSONDecoder``."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    memo: dict = {}

    @staticmethod
    def parse_constant(name: str) -> float:
        return {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}[name]


_scan = _json.make_scanner(_Context()) if _json is not None else None


class JSONError(ValueError):
    """Text that is not one JSON document; ``pos`` is the offset where reading stopped."""

    def __init__(self, msg: str, pos: int) -> None:
        super().__init__(f"{msg} at offset {pos}")
        self.pos = pos


def loads(text: str) -> Any:
    """Parse one JSON document (as ``json.loads`` does); JSONError otherwise."""
    if _scan is None:  # pragma: no cover
        import json

        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            raise JSONError(exc.msg, exc.pos) from None
    n = len(text)
    i = 0
    while i < n and text[i] in _WS:
        i += 1
    try:
        value, end = _scan(text, i)
    except StopIteration as stop:
        raise JSONError("expecting a value", stop.value) from None
    except RecursionError:
        raise JSONError("nested too deeply", i) from None
    except ValueError as exc:  # json.JSONDecodeError, raised from inside the scanner
        raise JSONError(getattr(exc, "msg", str(exc)), getattr(exc, "pos", i)) from None
    except SystemError:  # the C scanner can fail to build its error before json.decoder is loaded
        return _slow(text)
    while end < n and text[end] in _WS:
        end += 1
    if end != n:
        raise JSONError("extra data", end)
    return value


def _slow(text: str) -> Any:
    """``json.loads`` with its error mapped: the error path, where import cost does not matter."""
    import json

    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise JSONError(exc.msg, exc.pos) from None
    except RecursionError:
        raise JSONError("nested too deeply", 0) from None


_ENCODERS: dict[tuple[Any, ...], Callable[[Any, int], Any]] = {}


def dumps(obj: Any, *, sort_keys: bool = False, ensure_ascii: bool = True,
          separators: tuple[str, str] = (", ", ": "), default: Callable[[Any], Any] | None = None) -> str:
    """``json.dumps(obj, ...)`` for the options the hook uses (no indentation, NaN allowed)."""
    if _json is None:  # pragma: no cover
        import json

        return json.dumps(obj, sort_keys=sort_keys, ensure_ascii=ensure_ascii, separators=separators,
                          default=default)
    if isinstance(obj, str):
        return (_json.encode_basestring_ascii if ensure_ascii else _json.encode_basestring)(obj)
    key = (sort_keys, ensure_ascii, separators, default)
    enc = _ENCODERS.get(key)
    if enc is None:
        enc = _ENCODERS[key] = _json.make_encoder(
            {}, default or _unserialisable, _json.encode_basestring_ascii if ensure_ascii
            else _json.encode_basestring, None, separators[1], separators[0], sort_keys, False, True)
    try:
        return "".join(enc(obj, 0))
    finally:
        if enc.markers:  # type: ignore[attr-defined]
            enc.markers.clear()  # type: ignore[attr-defined]


def _unserialisable(obj: Any) -> Any:
    raise TypeError(f"Object of type {type(obj).__name__} is not JSON serializable")
