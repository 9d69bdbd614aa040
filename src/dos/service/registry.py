"""Read the run registry (``dos.state.yaml``) and the soak index with a real YAML parser.

PyYAML's ``safe_load`` (imported only when such a file exists). A file that does not
parse, or whose shape is not a registry, is an ``InputError`` naming the file and the
line: a referee never reads a broken registry as "no evidence".
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dos.errors import InputError
from dos.kernel import registry


def _loader() -> Any:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        """safe_load that remembers each mapping's and list's line, for error messages."""

    def mapping(loader: Any, node: Any) -> Any:
        data = _Map()
        data.line = node.start_mark.line + 1
        yield data
        data.update(loader.construct_mapping(node))

    def sequence(loader: Any, node: Any) -> Any:
        data = _Seq()
        data.line = node.start_mark.line + 1
        yield data
        data.extend(loader.construct_sequence(node))

    Loader.add_constructor("tag:yaml.org,2002:map", mapping)
    Loader.add_constructor("tag:yaml.org,2002:seq", sequence)
    return yaml, Loader


class _Map(dict):
    line = 0


class _Seq(list):
    line = 0


def load(path: Path) -> Any | None:
    """The parsed YAML at PATH, or None when there is no such file; InputError when it is broken."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: cannot read ({getattr(exc, 'strerror', None) or exc}); fix or remove it") from None
    yaml, loader = _loader()
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{path}{where}: not valid YAML ({problem}); fix it, or move it aside") from None


def _shape(path: Path, exc: registry.RegistryShapeError) -> InputError:
    where = f" line {exc.line}" if exc.line else ""
    return InputError(f"{path}{where}: {exc}")


def completed_rows(path: Path) -> list[registry.RegistryRow]:
    """The registry's ``recently_completed`` rows ([] without a file)."""
    data = load(path)
    try:
        return registry.completed_rows(data)
    except registry.RegistryShapeError as exc:
        raise _shape(path, exc) from None


def open_soak(path: Path, plan: str, phase: str) -> str:
    """The id of an in-progress soak for PLAN PHASE in the soak index at PATH, or ''."""
    data = load(path)
    try:
        return registry.open_soak(data, plan, phase)
    except registry.RegistryShapeError as exc:
        raise _shape(path, exc) from None
