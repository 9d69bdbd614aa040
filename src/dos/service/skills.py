"""The skill pack: DOS's playbooks for agents, rendered into each host's own format.

The playbooks are package data (``dos/skills/<name>/SKILL.md``, front matter ``name`` and
``description``, then Markdown). ``dos init --skills`` writes them where each host reads
instructions:

* ``claude-skills``: ``.claude/skills/<name>/SKILL.md`` (Claude Code);
* ``agents-skills``: ``.agents/skills/<name>/SKILL.md`` (Antigravity);
* ``cursor-rules``: ``.cursor/rules/<name>.mdc``, agent-requested rules (Cursor);
* ``agents-md``: one delimited section per playbook in ``AGENTS.md`` (Codex, and every host
  DOS knows no other format for);
* ``gemini-md``: the same sections in ``GEMINI.md`` (Gemini CLI).

Everything DOS writes carries a marker with the SHA-256 of what it wrote, so a later run can
tell its own untouched copy from one a person edited: an edited copy is kept (``--force``
replaces or removes it), an untouched one is updated or removed. In AGENTS.md and GEMINI.md
only the delimited sections are DOS's; removing them gives back the user's text byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from dos.errors import ConfigError, UsageError

CORE = ("dos-dispatch", "dos-next-up", "dos-claim-verify", "dos-deny", "dos-dispatch-loop")
ORDER = (*CORE, "dos-recover", "dos-unstick", "dos-supervise-loop")


@dataclass(frozen=True)
class Format:
    """Where and how one family of hosts reads instructions."""

    name: str
    kind: str  # "dir" (<where>/<name>/SKILL.md), "rules" (<where>/<name>.mdc), "sections" (one file)
    where: str  # relative to the workspace root

    def path(self, root: Path, skill: str) -> Path:
        if self.kind == "dir":
            return root / self.where / skill / "SKILL.md"
        if self.kind == "rules":
            return root / self.where / f"{skill}.mdc"
        return root / self.where


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("claude-skills", "dir", ".claude/skills"),
    Format("agents-skills", "dir", ".agents/skills"),
    Format("cursor-rules", "rules", ".cursor/rules"),
    Format("agents-md", "sections", "AGENTS.md"),
    Format("gemini-md", "sections", "GEMINI.md"),
)}
HOST_FORMATS = {"claude-code": "claude-skills", "antigravity": "agents-skills", "cursor": "cursor-rules",
                "codex": "agents-md", "gemini": "gemini-md"}
DEFAULT_FORMAT = "agents-md"  # what most coding agents read when DOS knows no format of their own
FALLBACK_FORMATS = ("claude-skills", "agents-md")  # no host found: Claude Code's place, and AGENTS.md for the rest


def format_for(host: str) -> str:
    """HOST's skill format: what its host spec declares (a ``skills`` attribute), else the table, else AGENTS.md."""
    from dos.service.wiring_base import SPECS, resolve_host

    host = resolve_host(host)
    declared = getattr(SPECS.get(host), "skills", "")
    if isinstance(declared, str) and declared in FORMATS:
        return declared
    return HOST_FORMATS.get(host, DEFAULT_FORMAT)


def formats_for(hosts: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(format_for(h) for h in hosts))


# --------------------------------------------------------------------------- the pack


@dataclass(frozen=True)
class Skill:
    """One playbook: its name, the one-line description hosts show, and its Markdown body."""

    name: str
    description: str
    body: str

    @property
    def title(self) -> str:
        first = next((ln for ln in self.body.splitlines() if ln.startswith("# ")), "# " + self.name)
        return first[2:].strip()

    @property
    def core(self) -> bool:
        return self.name in CORE


def parse_front_matter(text: str, where: str) -> tuple[dict[str, object], str]:
    """(front matter, body) of a Markdown file that opens with a ``---`` YAML block."""
    import yaml

    if not text.startswith("---\n"):
        raise ConfigError(f"{where}: no front matter (the file must open with a '---' line)")
    head, sep, body = text[4:].partition("\n---\n")
    if not sep:
        raise ConfigError(f"{where}: the front matter has no closing '---' line")
    try:
        meta = yaml.safe_load(head)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{where}: the front matter is not YAML ({' '.join(str(exc).split())[:200]})") from None
    if not isinstance(meta, dict):
        raise ConfigError(f"{where}: the front matter is not a mapping")
    return meta, body


def _pack_dir() -> Path:
    from importlib.resources import files

    return Path(str(files("dos") / "skills"))


def pack() -> dict[str, Skill]:
    """Every playbook shipped with DOS, in the pack's order."""
    found: dict[str, Skill] = {}
    base = _pack_dir()
    for path in sorted(base.glob("*/SKILL.md")):
        meta, body = parse_front_matter(path.read_text(encoding="utf-8"), str(path))
        name, desc = meta.get("name"), meta.get("description")
        if name != path.parent.name or not isinstance(desc, str) or not desc.strip():
            raise ConfigError(f"{path}: the front matter needs name: {path.parent.name} and a description")
        found[name] = Skill(name, " ".join(desc.split()), body.strip("\n") + "\n")
    rank = {n: i for i, n in enumerate(ORDER)}
    return dict(sorted(found.items(), key=lambda kv: (rank.get(kv[0], len(rank)), kv[0])))


def select(names: Sequence[str] = (), *, everything: bool = False) -> list[Skill]:
    """The playbooks asked for: NAMES, every one (EVERYTHING), or the core set.

    A name the pack does not ship is a UsageError naming it, before anything is written.
    """
    skills = pack()
    if everything:
        return list(skills.values())
    if not names:
        return [s for s in skills.values() if s.core]
    unknown = [n for n in names if n not in skills]
    if unknown:
        raise UsageError(f"dos init: no skill named {', '.join(repr(n) for n in unknown)} in the pack "
                         f"(skills: {', '.join(skills)}); nothing was written")
    return [skills[n] for n in dict.fromkeys(names)]


# --------------------------------------------------------------------------- rendering


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _yaml_scalar(value: str) -> str:
    """VALUE as a YAML scalar: plain when it reads back unchanged, else double-quoted."""
    import yaml

    try:
        if yaml.safe_load(f"k: {value}") == {"k": value} and "\n" not in value:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value, ensure_ascii=False)


FILE_MARK = re.compile(r"^<!-- dos skill (?P<name>\S+): written by `dos init --skills`, removed by "
                       r"`dos init --skills --remove` while unedited; sha256 (?P<digest>[0-9a-f]{16}) -->$")


def _file_mark(name: str, content: str) -> str:
    return (f"<!-- dos skill {name}: written by `dos init --skills`, removed by `dos init --skills --remove` "
            f"while unedited; sha256 {_digest(content)} -->\n")


def render_file(skill: Skill, fmt: Format) -> str:
    """The whole file FMT gets for SKILL (the dir and rules formats)."""
    if fmt.kind == "rules":
        head = f"---\ndescription: {_yaml_scalar(skill.description)}\nglobs:\nalwaysApply: false\n---\n\n"
    else:
        head = f"---\nname: {skill.name}\ndescription: {_yaml_scalar(skill.description)}\n---\n\n"
    content = head + skill.body + "\n"
    return content + _file_mark(skill.name, content)


def _demoted(body: str) -> str:
    """BODY with every heading one level deeper (outside fenced code), to nest under a file's own headings."""
    out, fenced = [], False
    for line in body.splitlines(keepends=True):
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and re.match(r"#{1,5} ", line):
            line = "#" + line
        out.append(line)
    return "".join(out)


def section_inner(skill: Skill) -> str:
    """What a sections file holds between SKILL's two markers."""
    body = _demoted(skill.body)
    heading, _, rest = body.partition("\n")
    heading = heading.replace("## ", "## DOS: ", 1) + f" (`{skill.name}`)"
    return f"{heading}\n\n{skill.description}\n{rest}"


BEGIN = re.compile(r"^<!-- >>> dos skill (?P<name>\S+) >>>(?P<sep> sep=2)? -->$")
END = re.compile(r"^<!-- <<< dos skill (?P<name>\S+) sha256 (?P<digest>[0-9a-f]{16}) <<< -->$")


def _begin(name: str, sep2: bool = False) -> str:
    return f"<!-- >>> dos skill {name} >>>{' sep=2' if sep2 else ''} -->\n"


def _end(name: str, inner: str) -> str:
    return f"<!-- <<< dos skill {name} sha256 {_digest(inner)} <<< -->\n"


@dataclass(frozen=True)
class Block:
    """One DOS section in a sections file: [start, stop) in characters, its inner text and marks."""

    name: str
    start: int
    stop: int
    inner: str
    digest: str
    sep2: bool

    @property
    def edited(self) -> bool:
        return _digest(self.inner) != self.digest


def blocks(text: str, where: str = "") -> list[Block]:
    """Every DOS section in TEXT, in order. A begin marker without its end is an error naming the file."""
    found: list[Block] = []
    lines = text.splitlines(keepends=True)
    offsets, pos = [], 0
    for line in lines:
        offsets.append(pos)
        pos += len(line)
    i = 0
    while i < len(lines):
        m = BEGIN.match(lines[i].rstrip("\r\n"))
        if not m:
            i += 1
            continue
        j = i + 1
        while j < len(lines):
            e = END.match(lines[j].rstrip("\r\n"))
            if e and e.group("name") == m.group("name"):
                break
            if BEGIN.match(lines[j].rstrip("\r\n")):
                j = len(lines)
                break
            j += 1
        if j >= len(lines):
            raise ConfigError(f"{where or 'the file'}: the DOS section {m.group('name')!r} has no end marker; "
                              "restore it (or delete the section by hand), then rerun dos init --skills")
        inner = "".join(lines[i + 1:j])
        found.append(Block(m.group("name"), offsets[i], offsets[j] + len(lines[j]), inner,
                           END.match(lines[j].rstrip("\r\n")).group("digest"), bool(m.group("sep"))))
        i = j + 1
    return found


def _append(text: str, name: str, inner: str) -> str:
    if not text:
        return _begin(name) + inner + _end(name, inner)
    if text.endswith("\n"):
        return text + "\n" + _begin(name) + inner + _end(name, inner)
    return text + "\n\n" + _begin(name, sep2=True) + inner + _end(name, inner)


def _cut(text: str, block: Block) -> str:
    """TEXT without BLOCK and the separator DOS put before it."""
    before, after = text[:block.start], text[block.stop:]
    if after.startswith("\n"):
        head, nl, rest = after[1:].partition("\n")
        nxt = BEGIN.match(head)
        if nxt:  # the next DOS section takes over this one's separator (and its sep=2 mark)
            return before + _begin(nxt.group("name"), block.sep2) + rest
    if block.sep2 and before.endswith("\n\n"):
        before = before[:-2]
    elif before.endswith("\n\n"):
        before = before[:-1]
    return before + after


# --------------------------------------------------------------------------- planning changes


@dataclass(frozen=True)
class Change:
    """What one file becomes: AFTER None deletes it. WHAT: write, update, remove, same, kept, absent."""

    path: Path
    before: str | None
    after: str | None
    what: str
    skills: tuple[str, ...]
    fmt: str

    @property
    def changes(self) -> bool:
        return self.what in ("write", "update", "remove")


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read ({exc}); fix it, then rerun dos init --skills") from None


def file_is_unedited(text: str) -> bool:
    """True when TEXT is a file DOS wrote (its marker is the last line) and nobody changed it since."""
    head, _, last = text.rstrip("\n").rpartition("\n")
    m = FILE_MARK.match(last)
    return bool(m) and _digest(head + "\n") == m.group("digest")


def plan_install(root: Path, skills: Sequence[Skill], formats: Sequence[str], *, force: bool = False) -> list[Change]:
    """The changes that put SKILLS into every format of FORMATS under ROOT (nothing written yet)."""
    out: list[Change] = []
    for name in formats:
        fmt = FORMATS[name]
        if fmt.kind == "sections":
            out.append(_plan_sections(root, fmt, skills, remove=False, force=force))
            continue
        for skill in skills:
            path = fmt.path(root, skill.name)
            before, after = _read(path), render_file(skill, fmt)
            if before is None:
                what = "write"
            elif before == after:
                what = "same"
            elif file_is_unedited(before) or force:
                what = "update"
            else:
                what, after = "kept", before
            out.append(Change(path, before, after, what, (skill.name,), name))
    return out


def plan_remove(root: Path, skills: Sequence[Skill], formats: Sequence[str], *, force: bool = False) -> list[Change]:
    """The changes that take SKILLS out of every format of FORMATS under ROOT; edited copies stay unless FORCE."""
    out: list[Change] = []
    for name in formats:
        fmt = FORMATS[name]
        if fmt.kind == "sections":
            out.append(_plan_sections(root, fmt, skills, remove=True, force=force))
            continue
        for skill in skills:
            path = fmt.path(root, skill.name)
            before = _read(path)
            if before is None:
                continue
            if file_is_unedited(before) or force:
                out.append(Change(path, before, None, "remove", (skill.name,), name))
            else:
                out.append(Change(path, before, before, "kept", (skill.name,), name))
    return out


def edit_sections(text: str, sections: Sequence[tuple[str, str]], *, remove: bool, force: bool = False,
                  where: str = "") -> tuple[str, list[str], list[str]]:
    """TEXT with each (name, inner) of SECTIONS added or brought up to date (or with REMOVE, taken out).

    Returns (new text, names changed, names kept because a person edited them). Pure: the text
    outside DOS's sections is never touched, and removing every section DOS added gives TEXT back.
    """
    touched, kept = [], []
    for name, inner in sections:
        found = next((b for b in blocks(text, where) if b.name == name), None)
        if remove:
            if found is None:
                continue
            if found.edited and not force:
                kept.append(name)
                continue
            text = _cut(text, found)
            touched.append(name)
        elif found is None:
            text = _append(text, name, inner)
            touched.append(name)
        elif found.inner == inner and not found.edited:
            continue
        elif found.edited and not force:
            kept.append(name)
        else:
            text = text[:found.start] + _begin(name, found.sep2) + inner + _end(name, inner) + text[found.stop:]
            touched.append(name)
    return text, touched, kept


def _plan_sections(root: Path, fmt: Format, skills: Sequence[Skill], *, remove: bool, force: bool) -> Change:
    path = fmt.path(root, "")
    before = _read(path)
    text, touched, kept = edit_sections(before or "", [(s.name, section_inner(s)) for s in skills], remove=remove,
                                        force=force, where=str(path))
    if before is None and not touched:
        return Change(path, None, None, "absent", tuple(kept), fmt.name)
    after: str | None = text
    if remove and touched and not text:
        after = None
    if touched:
        what = "remove" if remove else ("write" if before is None else "update")
    else:
        what = "kept" if kept else "same"
    return Change(path, before, after, what, tuple(touched or kept), fmt.name)


def apply(changes: Iterable[Change], root: Path) -> None:
    """Write CHANGES (atomically, file by file); prune the skill directories a removal left empty."""
    from dos.service.wiring_files import write_atomic

    for ch in changes:
        if not ch.changes:
            continue
        if ch.after is None:
            try:
                ch.path.unlink()
            except FileNotFoundError:
                pass
            if FORMATS[ch.fmt].kind != "sections":
                _prune(ch.path.parent, root / FORMATS[ch.fmt].where)
        else:
            write_atomic(ch.path, ch.after)


def _prune(directory: Path, top: Path) -> None:
    """Remove DIRECTORY and its parents up to TOP (the format's own directory, included) while empty.

    Never above it: ``.claude``, ``.cursor`` and ``.agents`` may be the user's, even when empty.
    """
    top = top.resolve()
    here = directory.resolve()
    while here == top or top in here.parents:
        try:
            here.rmdir()
        except OSError:
            return
        if here == top:
            return
        here = here.parent


# --------------------------------------------------------------------------- reading installed skills


@dataclass(frozen=True)
class Command:
    """A ``dos`` command line a playbook shows, with the exit code its comment declares."""

    skill: str
    line: str
    code: int | None
    token: str

    @property
    def verb_key(self) -> str:
        """The longest ``dos.exitcodes`` row this command's words start with ('' when none)."""
        from dos.exitcodes import EXIT_CODES

        words = self.line.split()[1:3]
        for n in (2, 1):
            key = " ".join(words[:n])
            if key in EXIT_CODES:
                return key
        return ""


EXPECT = re.compile(r"#\s*exit (?P<code>\d+)(?: \((?P<token>[A-Za-z_\-]+)\))?\s*$")


def commands(markdown: str, skill: str = "") -> list[Command]:
    """Every ``dos ...`` line in MARKDOWN's fenced shell blocks, in order."""
    out: list[Command] = []
    fenced, shell = False, False
    for line in markdown.splitlines():
        if line.startswith("```"):
            fenced = not fenced
            shell = fenced and line[3:].strip() in ("sh", "bash", "shell", "console", "")
            continue
        text = line.strip()
        if fenced and shell and text.startswith("dos "):
            m = EXPECT.search(text)
            out.append(Command(skill, text[:m.start()].rstrip() if m else text,
                               int(m.group("code")) if m else None, (m.group("token") or "") if m else ""))
    return out


def installed(root: Path, formats: Sequence[str] = tuple(FORMATS)) -> dict[str, dict[str, str]]:
    """format -> skill name -> the playbook text DOS left there (front matter included for files)."""
    out: dict[str, dict[str, str]] = {}
    for name in formats:
        fmt = FORMATS[name]
        found: dict[str, str] = {}
        if fmt.kind == "sections":
            text = _read(fmt.path(root, "")) or ""
            for b in blocks(text, fmt.where):
                found[b.name] = b.inner
        else:
            base = root / fmt.where
            pattern = "*/SKILL.md" if fmt.kind == "dir" else "*.mdc"
            for path in sorted(base.glob(pattern)) if base.is_dir() else []:
                text = path.read_text(encoding="utf-8")
                m = FILE_MARK.match(text.rstrip("\n").rpartition("\n")[2])
                if m:
                    found[m.group("name")] = text
        if found:
            out[name] = found
    return out


def summary(changes: Sequence[Change], root: Path) -> list[str]:
    """One line per format (and one per file DOS left alone), for ``dos init`` to print."""
    by_fmt: dict[str, list[Change]] = {}
    for ch in changes:
        by_fmt.setdefault(ch.fmt, []).append(ch)
    lines = []
    for fmt, group in by_fmt.items():
        where = FORMATS[fmt].where
        done: dict[str, list[str]] = {}
        for ch in group:
            if ch.changes:
                done.setdefault(ch.what, []).extend(ch.skills)
        parts = [f"{what} {', '.join(names)}" for what, names in done.items()]
        if not parts:
            parts = ["up to date" if any(ch.what == "same" for ch in group) else "nothing to do"]
        lines.append(f"skills ({fmt}, {where}): {'; '.join(parts)}")
        for ch in group:
            if ch.what == "kept":
                rel = _rel(ch.path, root)
                lines.append(f"  kept {rel} ({', '.join(ch.skills)}): edited since DOS wrote it; "
                             "--force replaces or removes it")
    return lines


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def preview(changes: Sequence[Change], root: Path) -> list[str]:
    """For ``--dry-run``: what each file would become."""
    lines = []
    for ch in changes:
        if ch.changes:
            lines.append(f"would {ch.what} {_rel(ch.path, root)} ({', '.join(ch.skills)})")
    return lines or ["the skills are already as asked; nothing would change"]


__all__ = ["CORE", "FORMATS", "HOST_FORMATS", "Change", "Command", "Format", "Skill", "apply", "blocks",
           "commands", "edit_sections", "file_is_unedited", "format_for", "formats_for", "installed", "pack",
           "parse_front_matter", "plan_install", "plan_remove", "preview", "render_file", "section_inner",
           "select", "summary"]
