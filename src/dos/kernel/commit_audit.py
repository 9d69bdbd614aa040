"""Does a commit's subject make a claim its own diff witnesses?

Plan-free and author-neutral: the subject is read for a claim kind (code effect, tests,
docs, or none), the diff's files are classified, and the two are compared.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

NO_CLAIM_WORDS = frozenset("wip misc cleanup chore bump version release merge revert format lint "
                           "whitespace style nit nits".split())
NO_CLAIM_PHRASES = ("address review", "review feedback", "rename variable")
TEST_PHRASES = ("tests pass", "test pass", "tests green", "all tests", "passing tests", "tests passing",
                "green build", "fix the test", "fix failing test", "fix the failing test", "fixes the test")
TEST_LEADS = frozenset("test tests testing spec specs coverage assertion assertions".split())
TEST_EARLY = frozenset("test tests testing spec specs coverage".split())
DOC_LEADS = frozenset("doc docs documentation readme comment comments typo changelog wording rephrase "
                      "clarify".split())
CODE_VERBS = frozenset("fix fixes fixed add adds added implement implements implemented remove removes "
                       "removed delete optimize optimise refactor rename move support handle resolve "
                       "resolves patch correct introduce enable disable drop migrate upgrade downgrade "
                       "wire hook".split())
MOVE_WORDS = frozenset("rename renames renamed renaming move moves moved moving".split())
DOC_SUFFIXES = (".md", ".rst", ".txt", ".adoc", ".org")
DOC_BASENAMES = frozenset("readme claude.md claude license contributing changelog authors notice".split())
SOURCE_SUFFIXES = frozenset(
    ".py .pyi .pyx .js .jsx .mjs .cjs .ts .tsx .go .rs .java .kt .kts .scala .c .h .cc .cpp .cxx .hpp .hh "
    ".cs .fs .rb .php .pl .pm .sh .bash .zsh .fish .ps1 .sql .tf .hcl .swift .m .mm .lua .r .jl .ex .exs "
    ".erl .hrl .clj .cljs .hs .ml .mli .dart .vue .svelte .zig .nim .v .sv .vhd .groovy .gradle .cmake "
    ".mk .proto .graphql .css .scss .sass .less .html .htm .el "
    ".vim .bat .cmd .awk .sed".split())
SOURCE_BASENAMES = frozenset("makefile dockerfile containerfile rakefile gemfile justfile procfile "
                             "vagrantfile jenkinsfile brewfile".split())
CI_FILES = frozenset({".gitlab-ci.yml", ".travis.yml", "azure-pipelines.yml", "appveyor.yml", ".appveyor.yml",
                      ".circleci/config.yml", "bitbucket-pipelines.yml"})

_WORD = re.compile(r"[a-z][a-z']*")
_HEAD = re.compile(r"^([^\s:]{1,29}):\s*(.*)$")
_TEST_BASE = re.compile(r"^(test_.+\.\w+|.+_test\.\w+|.+\.test\.\w+|.+\.spec\.\w+)$")


def is_test_file(path: str) -> bool:
    parts = path.lower().split("/")
    return any(p in ("test", "tests", "spec", "specs", "__tests__") for p in parts[:-1]) \
        or bool(_TEST_BASE.match(parts[-1]))


def is_source_file(path: str) -> bool:
    base = path.lower().rsplit("/", 1)[-1]
    if base in SOURCE_BASENAMES:
        return True
    if "." not in base.lstrip("."):
        return True  # extensionless scripts
    return "." + base.rsplit(".", 1)[-1] in SOURCE_SUFFIXES


def is_ci_file(path: str) -> bool:
    low = path.lower()
    return low in CI_FILES or (low.startswith(".github/workflows/") and low.endswith((".yml", ".yaml")))


@dataclass(frozen=True)
class FileStat:
    """One file a commit touched; ``added``/``removed`` are None for binary rows."""

    path: str
    added: int | None = None
    removed: int | None = None


@dataclass(frozen=True)
class Claim:
    kind: str  # "code_effect" | "test" | "doc" | "none"
    head: str = ""  # the ``head:`` prefix, if any (type or scope)


def classify_claim(subject: str) -> Claim:
    """The kind of claim SUBJECT makes, by the reference's precedence."""
    low = subject.lower().strip()
    m = _HEAD.match(low)
    head, rest = (m.group(1), m.group(2)) if m else ("", low)
    words = _WORD.findall(low)
    if any(w in NO_CLAIM_WORDS for w in words) or any(p in low for p in NO_CLAIM_PHRASES):
        return Claim("none", head)
    leads = [w for w in (_first(head), _first(rest)) if w] if head else [_first(low)]
    if any(p in low for p in TEST_PHRASES) or any(w in TEST_LEADS for w in leads) \
            or any(w in TEST_EARLY for w in _WORD.findall(rest)[:3]):
        return Claim("test", head)
    if any(w in DOC_LEADS for w in leads) or (head and _is_doc_target(head)):
        return Claim("doc", head)
    if any(w in CODE_VERBS for w in leads):
        return Claim("code_effect", head)
    return Claim("none", head)


def _first(text: str) -> str:
    m = _WORD.search(text)
    return m.group(0) if m else ""


def _is_doc_target(head: str) -> bool:
    scope = re.sub(r"^[a-z]+\((.*)\)!?$", r"\1", head)
    for target in {head, scope}:
        base = target.rsplit("/", 1)[-1]
        if target.endswith(DOC_SUFFIXES) or target.startswith(("docs/", "doc/")) or base in DOC_BASENAMES:
            return True
    return False


def _ci_scoped(head: str) -> bool:
    m = re.match(r"^([a-z]+)(?:\(([^)]*)\))?!?$", head)
    return bool(m) and "ci" in (m.group(1), m.group(2))


@dataclass(frozen=True)
class AuditVerdict:
    """One commit's audit: OK, CLAIM_UNWITNESSED or ABSTAIN, with the files that decided it."""

    sha: str
    verdict: str
    claim_kind: str
    witness: str
    reason: str
    source_files: tuple[str, ...] = ()
    test_files: tuple[str, ...] = ()
    ci_files: tuple[str, ...] = ()

    @property
    def token(self) -> str:
        return self.verdict

    @property
    def evidence(self) -> dict[str, Any]:
        return {"sha": self.sha, "claim_kind": self.claim_kind, "witness": self.witness,
                "source_files": list(self.source_files), "test_files": list(self.test_files),
                "ci_files": list(self.ci_files)}

    def to_dict(self) -> dict[str, Any]:
        return {"sha": self.sha, "verdict": self.verdict, "claim_kind": self.claim_kind,
                "witness": self.witness, "reason": self.reason, "source_files": list(self.source_files),
                "test_files": list(self.test_files), "ci_files": list(self.ci_files)}

    def line(self) -> str:
        mark = {"CLAIM_UNWITNESSED": "⚑ UNWITNESSED", "OK": "✓ witnessed  ", "ABSTAIN": "· abstain    "}
        return f"{mark[self.verdict]} {self.sha}  [{self.witness}]  {self.reason}"


def audit_commit(sha: str, subject: str, files: Sequence[FileStat], *, docs_ok: bool = False) -> AuditVerdict:
    """Compare SUBJECT's claim with the FILES the commit touched."""
    claim = classify_claim(subject)
    paths = [f.path for f in files]
    src = tuple(p for p in paths if is_source_file(p) and not p.lower().endswith(DOC_SUFFIXES))
    tests = tuple(p for p in paths if is_test_file(p))
    ci = tuple(p for p in paths if is_ci_file(p))

    def v(verdict: str, witness: str, reason: str) -> AuditVerdict:
        return AuditVerdict(sha, verdict, claim.kind, witness, reason, src, tests, ci)

    ok = lambda reason: v("OK", "diff-witnessed", reason)  # noqa: E731
    bad = lambda reason: v("CLAIM_UNWITNESSED", "subject-only", reason)  # noqa: E731
    if claim.kind == "none":
        return v("ABSTAIN", "abstain", "subject makes no checkable code/test claim")
    if claim.kind == "doc":
        if not paths:
            return bad("doc claim but the commit is empty (touched nothing)")
        return ok(f"doc claim, the commit touches files ({_few(paths)})")
    if claim.kind == "test":
        if not tests:
            return bad("claims tests but the diff touches no test file")
        known = [f for f in files if f.path in tests and f.added is not None and f.removed is not None]
        added = sum(f.added or 0 for f in known)
        removed = sum(f.removed or 0 for f in known)
        moving = any(w in MOVE_WORDS for w in _WORD.findall(subject.lower()))
        if known and removed > added and not moving:
            return bad(f"claims tests but the diff net-DELETES test lines (+{added}/-{removed}) "
                       "- the delete-the-assertion shape")
        return ok("test claim witnessed by a touched test file")
    if src:
        return ok("code-effect claim witnessed by a touched source file")
    if ci and _ci_scoped(claim.head):
        return ok(f"ci-scoped claim witnessed by the CI config it names ({_few(ci)})")
    if not paths:
        return bad("code-effect claim but the commit is EMPTY (touched no files)")
    if docs_ok:
        return ok("code claim; docs_satisfy_code_claim policy accepts doc-only diff")
    return bad(f"code-effect claim but the diff touches no SOURCE file (only: {_few(paths)}) "
               "- the subject says code changed; the diff says it did not")


def _few(paths: Sequence[str]) -> str:
    head = ", ".join(paths[:4])
    return head + (f", +{len(paths) - 4} more" if len(paths) > 4 else "")


@dataclass(frozen=True)
class Sweep:
    """Totals over a range of audited commits."""

    verdicts: tuple[AuditVerdict, ...] = field(default_factory=tuple)

    @property
    def unwitnessed(self) -> tuple[AuditVerdict, ...]:
        return tuple(v for v in self.verdicts if v.verdict == "CLAIM_UNWITNESSED")

    @property
    def token(self) -> str:
        return "UNWITNESSED" if self.unwitnessed else "CLEAN"

    @property
    def reason(self) -> str:
        return f"{len(self.unwitnessed)} of {len(self.verdicts)} commit(s) claim what their diff does not show"

    @property
    def evidence(self) -> dict[str, Any]:
        return {"unwitnessed_shas": [v.sha for v in self.unwitnessed]}

    def to_dict(self) -> dict[str, Any]:
        witnessed = sum(v.verdict == "OK" for v in self.verdicts)
        bad = len(self.unwitnessed)
        checkable = witnessed + bad
        by_kind: dict[str, dict[str, int]] = {}
        for v in self.verdicts:
            row = by_kind.setdefault(v.claim_kind, {"unwitnessed": 0, "witnessed": 0, "abstain": 0})
            row[{"OK": "witnessed", "CLAIM_UNWITNESSED": "unwitnessed"}.get(v.verdict, "abstain")] += 1
        return {"commits": len(self.verdicts), "checkable": checkable, "abstained": len(self.verdicts) - checkable,
                "witnessed": witnessed, "unwitnessed": bad,
                "drift_rate": round(bad / checkable, 4) if checkable else 0.0,
                "by_kind": by_kind, "unwitnessed_shas": [v.sha for v in self.unwitnessed]}

    def lines(self) -> list[str]:
        d = self.to_dict()
        out = [f"commit-audit sweep over {d['commits']} commit(s):",
               f"  checkable (made a concrete claim) : {d['checkable']}",
               f"  witnessed by their diff           : {d['witnessed']}",
               f"  UNWITNESSED (claim vs diff)       : {d['unwitnessed']}",
               f"  no checkable claim (abstained)    : {d['abstained']}",
               f"  DRIFT RATE (unwitnessed/checkable): {d['drift_rate'] * 100:.1f}%",
               "  by claim kind (unwitnessed/witnessed/abstain):"]
        for kind, row in sorted(d["by_kind"].items()):
            out.append(f"    {kind:<15} {row['unwitnessed']} / {row['witnessed']:>4} / {row['abstain']:>4}")
        shas = d["unwitnessed_shas"]
        if shas:
            out.append("  unwitnessed: " + ", ".join(shas[:12]) + (" …" if len(shas) > 12 else ""))
        return out


def parse_numstat(lines: Iterable[str]) -> list[FileStat]:
    """``git --numstat`` rows (``added<TAB>removed<TAB>path``) as FileStats."""
    out = []
    for line in lines:
        parts = line.split("\t", 2)
        if len(parts) != 3:
            continue
        a, r, path = parts
        out.append(FileStat(path, int(a) if a.isdigit() else None, int(r) if r.isdigit() else None))
    return out
