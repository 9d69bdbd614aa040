"""git: which work-tree paths a git command may write, after -C, -c and --work-tree.

Readers write only inside .git; checkout, restore, rm, clean, reset and the like write their
pathspecs or the whole tree (``:/``); anything that may run a program (``--exec``, merge strategies,
``-c`` keys outside a safe list) raises ``_Unknown``.
"""

from __future__ import annotations

from dos.kernel.footprint.options import _getopt, _has, _longs, _vals
from dos.kernel.footprint.paths import _DOT, _TOP, _child, _Unknown, _value_arg

TYPE_CHECKING = False  # typing costs start-up time on the hook path
if TYPE_CHECKING:
    from dos.kernel.footprint.paths import _Arg

_GIT_GLOBAL_FLAGS = frozenset({"-p", "-P", "--paginate", "--no-pager", "--no-replace-objects", "--literal-pathspecs",
                               "--glob-pathspecs", "--noglob-pathspecs", "--icase-pathspecs", "--no-optional-locks",
                               "--no-advice"})
_GIT_SAFE_KEYS = ("color.", "advice.", "user.", "i18n.", "column.")
_GIT_SAFE_KEYS_EXACT = frozenset({"core.quotepath", "core.autocrlf", "core.safecrlf", "core.filemode",
                                  "init.defaultbranch", "commit.gpgsign", "tag.gpgsign", "gc.auto", "maintenance.auto",
                                  "safe.directory", "pull.rebase", "pull.ff", "push.default", "push.autosetupremote",
                                  "merge.conflictstyle", "merge.ff", "rebase.autosquash", "rebase.autostash",
                                  "fetch.prune", "diff.noprefix", "diff.renames", "status.showuntrackedfiles"})
_GIT_READERS = frozenset("""status log diff show rev-parse ls-files grep blame annotate describe fetch push remote reflog
shortlog whatchanged cat-file ls-tree merge-base rev-list show-ref for-each-ref version help count-objects fsck gc
prune repack check-ignore check-attr check-ref-format name-rev cherry range-diff var hash-object update-index
update-ref symbolic-ref verify-commit verify-tag ls-remote show-branch maintenance diff-tree diff-files diff-index
mktree commit-tree write-tree show-index get-tar-commit-id patch-id replace pack-refs prune-packed multi-pack-index
commit-graph fmt-merge-msg merge-tree request-pull column stripspace""".split())
_GIT_QUIET = frozenset({"commit", "add", "stage", "tag", "branch", "notes"})
_GIT_RUNNERS = ("upload-pack", "receive-pack", "exec", "open-files-in-pager")
_GIT_STRATEGIES = frozenset({"ort", "recursive", "resolve", "octopus", "ours", "subtree"})


class _GitPlace:
    """Where a git command's paths land, after -C and --work-tree."""

    __slots__ = ("base", "tree", "tree_is_subdir")

    def __init__(self, base: _Arg | None, tree: _Arg | None) -> None:
        self.base = base
        self.tree = None if tree is None else _child(base, tree)
        text = tree.argv if tree is not None else ""
        self.tree_is_subdir = bool(text) and not tree.fixed and ".." not in text.split("/") \
            and any(seg not in ("", ".") for seg in text.split("/"))

    def top(self) -> list[_Arg]:
        return [_TOP] if self.tree is None else [self.tree]

    def paths(self, arg: _Arg) -> list[_Arg]:
        """The paths one pathspec may write (magic pathspecs count as the whole tree)."""
        if arg.argv is None or arg.argv.startswith(":"):
            return self.top()
        if self.tree is None:
            return [_child(self.base, arg)]
        if self.tree_is_subdir:
            return [_child(self.tree, arg)]
        return [_child(self.base, arg), _child(self.tree, arg)]

    def file(self, arg: _Arg) -> _Arg:
        return _child(self.base, arg)


def _git(args: list[_Arg], stdin: str | None) -> list[_Arg]:
    base = tree = None
    i = 0
    while i < len(args):
        text = args[i].argv
        if text is None:
            raise _Unknown("git option")
        if text in ("-C", "-c", "--work-tree", "--namespace"):
            if i + 1 >= len(args) or args[i + 1].argv is None:
                raise _Unknown("git option value")
            value = args[i + 1]
            if text == "-C" and value.argv:
                base = _child(base, value)
            elif text == "-c":
                _check_git_key(value.argv.split("=", 1)[0])
            elif text == "--work-tree":
                tree = value
            i += 2
        elif text.startswith("--work-tree="):
            tree = _value_arg(text[len("--work-tree="):])
            i += 1
        elif text in _GIT_GLOBAL_FLAGS or text.startswith(("--namespace=", "--list-cmds=", "--attr-source=")):
            i += 1
        elif text in ("--version", "--help", "-v", "-h", "--html-path", "--man-path", "--info-path", "--exec-path"):
            return []
        elif text.startswith("-"):
            raise _Unknown("git option")  # --git-dir, --bare, --exec-path=, --config-env ...
        else:
            break
    if i >= len(args):
        return []
    sub, rest, place = args[i].argv, args[i + 1:], _GitPlace(base, tree)
    if sub in _GIT_QUIET:
        return []
    if sub in _GIT_READERS:
        return _git_reader(sub, rest, place)
    handler = _GIT_HANDLERS.get(sub)
    if handler is None:
        raise _Unknown("git subcommand")
    return handler(sub, rest, place)


def _check_git_key(key: str) -> None:
    key = key.lower()
    if not (key.startswith(_GIT_SAFE_KEYS) or key in _GIT_SAFE_KEYS_EXACT):
        raise _Unknown("git config that may run or move things")


def _long_prefix(text: str, names: tuple[str, ...], least: int = 2) -> bool:
    """True if TEXT is --NAME (or an abbreviation of it, as git and GNU accept) for one of NAMES."""
    if not text.startswith("--"):
        return False
    name = text[2:].split("=", 1)[0]
    return len(name) >= least and any(n.startswith(name) for n in names)


def _git_reader(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    """Subcommands that write only inside .git, unless told to write a file (--output)."""
    out, k = [], 0
    while k < len(rest):
        text = rest[k].argv
        k += 1
        if text is None:
            raise _Unknown("git argument")
        if text == "--":
            break
        if _long_prefix(text, _GIT_RUNNERS):
            raise _Unknown("git runs a program")
        if _long_prefix(text, ("output",)):
            if "=" in text:
                out.append(_value_arg(text.split("=", 1)[1]))
            elif k < len(rest) and rest[k].argv is not None:
                out.append(rest[k])
                k += 1
            else:
                raise _Unknown("git --output")
        elif (sub == "grep" and text.startswith("-O")) or (sub == "ls-remote" and text.startswith("-u")):
            raise _Unknown("git runs a program")
    return [place.file(a) for a in out]


def _git_texts(rest: list[_Arg]) -> list[str] | None:
    texts = [a.argv for a in rest]
    return None if None in texts else texts


def _short_has(texts: list[str], letter: str) -> bool:
    return any(t[:1] == "-" and t[1:2] != "-" and letter in t[1:] for t in texts)


def _pathspecs(rest: list[_Arg], valued: tuple[str, ...] = ()) -> list[_Arg]:
    """The pathspec operands of a git subcommand (everything after --, and non-options before)."""
    out, k = [], 0
    while k < len(rest):
        text = rest[k].argv
        k += 1
        if text == "--":
            return out + rest[k:]
        if text in valued:
            k += 1
        elif not text.startswith("-"):
            out.append(rest[k - 1])
    return out


def _git_checkout(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None or "--" not in texts or any(t.startswith("--pathspec") for t in texts):
        return place.top()  # a branch switch, or pathspecs we cannot see: the whole tree
    specs = rest[texts.index("--") + 1:]
    return [p for a in specs for p in place.paths(a)] or place.top()


def _git_restore(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None or any(t.startswith("--pathspec") for t in texts):
        return place.top()
    options = texts[:texts.index("--")] if "--" in texts else texts
    staged = "--staged" in options or _short_has(options, "S")
    worktree = "--worktree" in options or _short_has(options, "W")
    if staged and not worktree:
        return []
    specs = _pathspecs(rest, ("-s", "--source"))
    return [p for a in specs for p in place.paths(a)] or place.top()


def _git_rm_mv(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None or any(t.startswith("--pathspec") for t in texts):
        return place.top()
    options = texts[:texts.index("--")] if "--" in texts else texts
    if "--dry-run" in options or _short_has(options, "n") or (sub == "rm" and _long_prefix_any(options, "cached")):
        return []
    return [p for a in _pathspecs(rest) for p in place.paths(a)]


def _long_prefix_any(texts: list[str], name: str) -> bool:
    return any(_long_prefix(t, (name,), 3) for t in texts)


def _git_clean(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None:
        return place.top()
    options = texts[:texts.index("--")] if "--" in texts else texts
    dry = _long_prefix_any(options, "dry-run") or _short_has(options, "n")
    if dry and not (_short_has(options, "i") or _long_prefix_any(options, "interactive")):
        return []
    specs = _pathspecs(rest, ("-e", "--exclude"))
    return [p for a in specs for p in place.paths(a)] or place.top()


_RESET_INDEX_ONLY = frozenset({"--soft", "--mixed", "-q", "--quiet", "-N", "--intent-to-add", "-p", "--patch",
                               "--no-refresh", "--refresh"})


def _git_reset(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None:
        return place.top()
    options = [t for t in (texts[:texts.index("--")] if "--" in texts else texts) if t.startswith("-")]
    return [] if all(t in _RESET_INDEX_ONLY for t in options) else place.top()


def _git_stash(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts and texts[0] in ("list", "show", "drop", "clear", "create", "store"):
        return []
    return place.top()


def _git_apply(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None:
        return place.top()
    if any(t in ("--check", "--stat", "--numstat", "--summary") for t in texts) and "--apply" not in texts:
        return []
    if "--cached" in texts and "--index" not in texts:
        return []
    return place.top()


def _git_whole_tree(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    """Subcommands that may rewrite any file of the work tree, unless they run a program."""
    texts = _git_texts(rest)
    if texts is None:
        raise _Unknown("git argument")
    if any(_long_prefix(t, _GIT_RUNNERS) for t in texts):
        raise _Unknown("git runs a program")
    if sub == "rebase" and (_short_has(texts, "x") or any(_long_prefix(t, ("exec",)) for t in texts)):
        raise _Unknown("git rebase --exec")
    for k, t in enumerate(texts):
        strategy = None
        if t == "-s" or _long_prefix(t, ("strategy",), 3) and "=" not in t:
            strategy = texts[k + 1] if k + 1 < len(texts) else ""
        elif t.startswith("-s") and t[2:3] != "-" and len(t) > 2:
            strategy = t[2:]
        elif _long_prefix(t, ("strategy",), 3):
            strategy = t.split("=", 1)[1]
        if strategy is not None and strategy not in _GIT_STRATEGIES:
            raise _Unknown("git merge strategy program")
    first = next((t for t in texts if not t.startswith("-")), "")
    if (sub == "bisect" and first == "run") or (sub == "submodule" and "foreach" in texts):
        raise _Unknown("git runs a program")
    if (sub == "bisect" and first in ("log", "visualize", "view", "terms")) or \
            (sub == "submodule" and first in ("status", "summary")) or (sub == "sparse-checkout" and first == "list"):
        return []
    if sub == "read-tree" and not _short_has(texts, "u"):
        return []
    if sub == "checkout-index" and any(t.startswith("--prefix") for t in texts):
        raise _Unknown("git checkout-index --prefix")
    return place.top()


def _git_merge_file(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    opts, operands = _getopt(rest, "pq", "L", "", _longs("stdout quiet diff3 zdiff3 ours theirs union marker-size= "
                                                        "diff-algorithm= object-id"))
    if _has(opts, "p", "stdout"):
        return []
    if len(operands) != 3:
        raise _Unknown("git merge-file")
    return [place.file(operands[0])]


def _git_init(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    opts, operands = _getopt(rest, "q", "b", "", _longs("quiet bare template= separate-git-dir= shared=? "
                                                       "initial-branch= object-format= ref-format= help"))
    if _has(opts, "template"):
        raise _Unknown("git init --template")
    out = [place.file(operands[0])] if operands else ([place.base or _DOT] if _has(opts, "bare") else [])
    return out + [place.file(v) for v in _vals(opts, "separate-git-dir")]


_CLONE_LONGS = _longs("verbose quiet progress no-checkout bare mirror local no-hardlinks shared reject-shallow "
                      "no-reject-shallow dissociate sparse single-branch no-single-branch no-tags tags "
                      "shallow-submodules no-shallow-submodules remote-submodules no-remote-submodules "
                      "also-filter-submodules recurse-submodules=? recursive=? origin= branch= revision= reference= "
                      "reference-if-able= separate-git-dir= depth= shallow-since= shallow-exclude= jobs= filter= "
                      "server-option= bundle-uri= ref-format= object-format= help")


def _git_clone(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    opts, operands = _getopt(rest, "vqnls", "obj", "", _CLONE_LONGS)
    if len(operands) < 2:
        raise _Unknown("git clone into a directory named after the URL")
    return [place.file(operands[1])] + [place.file(v) for v in _vals(opts, "separate-git-dir")]


def _git_worktree(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    action = rest[0].argv if rest else None
    if action in ("list", "prune", "lock", "unlock", "repair"):
        return []
    if action == "add":
        _, operands = _getopt(rest[1:], "fqd", "bB", "", _longs("force detach checkout no-checkout lock reason= "
                                                                "orphan quiet track no-track guess-remote "
                                                                "no-guess-remote relative-paths no-relative-paths"))
        count = 1
    elif action in ("remove", "move"):
        _, operands = _getopt(rest[1:], "f", "", "", _longs("force"))
        count = 1 if action == "remove" else 2
    else:
        raise _Unknown("git worktree")
    if len(operands) < count:
        raise _Unknown("git worktree")
    return [place.file(a) for a in operands[:count]]


_GIT_CONFIG_READS = frozenset({"--get", "--get-all", "--get-regexp", "--get-urlmatch", "-l", "--list",
                               "--get-color", "--get-colorbool"})
_GIT_CONFIG_FLAGS = frozenset({"--global", "--system", "--local", "--worktree", "--bool", "--int", "--bool-or-int",
                               "--path", "--expiry-date", "--null", "-z", "--name-only", "--show-origin",
                               "--show-scope", "--includes", "--no-includes", "--fixed-value", "--all"})


def _git_config(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    files, operands, mode, k = [], [], "", 0
    while k < len(rest):
        text = rest[k].argv
        k += 1
        if text is None:
            operands.append(None)
        elif text in ("-f", "--file"):
            if k >= len(rest):
                raise _Unknown("git config --file")
            files.append(rest[k])
            k += 1
        elif text.startswith("--file="):
            files.append(_value_arg(text[len("--file="):]))
        elif text in _GIT_CONFIG_READS:
            mode = "read"
        elif text in ("--add", "--replace-all", "--unset", "--unset-all"):
            mode = "write"
        elif text.startswith("-") and not (text in _GIT_CONFIG_FLAGS or text.startswith(("--type=", "--default=",
                                                                                           "--comment="))):
            raise _Unknown("git config option")
        elif not text.startswith("-"):
            operands.append(text)
    if operands[:1] in (["get"], ["list"]):
        return []
    if operands[:1] in (["set"], ["unset"]):
        operands, mode = operands[1:], "write"
    elif operands[:1] in (["edit"], ["rename-section"], ["remove-section"]):
        raise _Unknown("git config edit")
    if mode == "write" or (mode != "read" and len(operands) >= 2):
        if not operands or operands[0] is None:
            raise _Unknown("git config key")
        _check_git_key(operands[0])
        return [place.file(f) for f in files]
    return []


def _git_archive(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None or any(_long_prefix(t, ("exec",)) for t in texts):
        raise _Unknown("git archive")
    out = [_value_arg(t[2:]) for t in texts if t.startswith("-o") and len(t) > 2]
    out += [rest[k + 1] for k, t in enumerate(texts) if t == "-o" and k + 1 < len(rest)]
    return [place.file(a) for a in out] + _git_reader(sub, [a for a in rest if not (a.argv or "").startswith("-o")],
                                                      place)


def _git_format_patch(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None:
        raise _Unknown("git format-patch")
    if "--stdout" in texts:
        return []
    for k, t in enumerate(texts):
        if t in ("-o", "--output-directory") and k + 1 < len(rest):
            return [place.file(rest[k + 1])]
        if t.startswith("--output-directory="):
            return [place.file(_value_arg(t.split("=", 1)[1]))]
        if t.startswith("-o") and len(t) > 2:
            return [place.file(_value_arg(t[2:]))]
    raise _Unknown("git format-patch into the current directory")


def _git_bundle(sub: str, rest: list[_Arg], place: _GitPlace) -> list[_Arg]:
    texts = _git_texts(rest)
    if texts is None:
        raise _Unknown("git bundle")
    if texts[:1] == ["create"]:
        files = [a for a in rest[1:] if not a.argv.startswith("-")]
        if not files:
            raise _Unknown("git bundle")
        return [place.file(files[0])]
    return []


_GIT_HANDLERS = {
    "checkout": _git_checkout, "restore": _git_restore, "rm": _git_rm_mv, "mv": _git_rm_mv, "clean": _git_clean,
    "reset": _git_reset, "stash": _git_stash, "apply": _git_apply, "merge-file": _git_merge_file,
    "init": _git_init, "clone": _git_clone, "worktree": _git_worktree, "config": _git_config,
    "archive": _git_archive, "format-patch": _git_format_patch, "bundle": _git_bundle,
    **{name: _git_whole_tree for name in ("switch", "merge", "pull", "rebase", "cherry-pick", "revert", "am",
                                          "bisect", "submodule", "sparse-checkout", "rerere", "read-tree",
                                          "checkout-index")},
}
