"""The write footprint of a tool call: known paths, nothing, or unknown (None)."""

from __future__ import annotations

import pytest

from dos.hooks.footprint import footprint, patch_paths, shell_paths

SHELL = [
    pytest.param("ls -la src", (), id="reader"),
    pytest.param("git status && git diff HEAD~1", (), id="git-readers"),
    pytest.param("echo hi > out.txt", ("out.txt",), id="redirect"),
    pytest.param("echo hi >> logs/a.log 2>&1", ("logs/a.log",), id="append-and-dup"),
    pytest.param("ls 2>/dev/null; echo x >&2", (), id="dev-null-and-fd"),
    pytest.param("cat a | tee -a x/y.txt", ("x/y.txt",), id="tee"),
    pytest.param("rm -rf build dist", ("build", "dist"), id="rm"),
    pytest.param("cp a.txt b/c.txt", ("b/c.txt",), id="cp-dest"),
    pytest.param("mv old.py new.py", ("old.py", "new.py"), id="mv-both"),
    pytest.param("sed -i 's/a/b/' f.py g.py", ("f.py", "g.py"), id="sed-inplace"),
    pytest.param("sed 's/a/b/' f.py", (), id="sed-stdout"),
    pytest.param("mkdir -p src/new && touch src/new/a.py", ("src/new", "src/new/a.py"), id="and-chain"),
    pytest.param("timeout 5 touch a", ("a",), id="prefix"),
    pytest.param("FOO=1 BAR=2 touch z", ("z",), id="env-prefix"),
    pytest.param("git checkout -- a.py", ("a.py",), id="git-checkout-paths"),
    pytest.param("git rm -q old.py", ("old.py",), id="git-rm"),
    pytest.param('echo "a b" > "my file.txt"', ("my file.txt",), id="quoted"),
    pytest.param("cat > f.txt <<EOF\nx > not-a-file\nEOF\necho done", ("f.txt",), id="heredoc-body-skipped"),
    pytest.param("dd if=/dev/zero of=disk.img bs=1", ("disk.img",), id="dd"),
    pytest.param("chmod +x run.sh", ("run.sh",), id="chmod"),
    pytest.param("sort -o out.txt in.txt", ("out.txt",), id="sort-o"),
    pytest.param("# just a comment", (), id="comment"),
]
UNKNOWN = [
    pytest.param("make build", id="unknown-program"),
    pytest.param("python script.py", id="interpreter"),
    pytest.param("echo $HOME > x", id="expansion"),
    pytest.param("echo $(date) > x", id="substitution"),
    pytest.param("echo `date`", id="backticks"),
    pytest.param("cd sub && rm x", id="relative-after-cd"),
    pytest.param("echo 'unterminated", id="bad-quote"),
    pytest.param("find . -name '*.pyc' -delete", id="find-delete"),
    pytest.param("git reset --hard", id="git-worktree-writer"),
    pytest.param("xargs rm < list", id="xargs"),
    pytest.param("cat <<EOF\nno end", id="unterminated-heredoc"),
]


@pytest.mark.parametrize(("cmd", "want"), SHELL)
def test_shell_footprint_known(cmd: str, want: tuple[str, ...]) -> None:
    """A command we can read gives exactly the paths it writes."""
    assert shell_paths(cmd) == want


@pytest.mark.parametrize("cmd", UNKNOWN)
def test_shell_footprint_unknown(cmd: str) -> None:
    """A command we cannot read is unknown, never 'writes nothing'."""
    assert shell_paths(cmd) is None


@pytest.mark.parametrize(("tool", "tool_input", "want"), [
    pytest.param("Edit", {"file_path": "/w/src/a.py"}, ("/w/src/a.py",), id="edit"),
    pytest.param("MultiEdit", {"file_path": "a.py", "edits": []}, ("a.py",), id="multiedit"),
    pytest.param("NotebookEdit", {"notebook_path": "n.ipynb"}, ("n.ipynb",), id="notebook"),
    pytest.param("write_file", {"file_path": "g.txt"}, ("g.txt",), id="gemini-write"),
    pytest.param("write_to_file", {"TargetFile": "/w/t.txt"}, ("/w/t.txt",), id="antigravity-write"),
    pytest.param("Write", {}, None, id="write-without-path"),
    pytest.param("Read", {"file_path": "x"}, (), id="read"),
    pytest.param("Grep", {"pattern": "x"}, (), id="grep"),
    pytest.param("mcp__github__create_issue", {}, None, id="mcp-unknown"),
    pytest.param("Bash", {"command": "touch a"}, ("a",), id="bash"),
    pytest.param("Bash", {"command": ["bash", "-lc", "touch a b"]}, ("a", "b"), id="codex-argv"),
    pytest.param("Bash", {"command": 42}, None, id="bash-bad-input"),
    pytest.param("Edit", "not a mapping", None, id="edit-bad-input"),
    pytest.param("apply_patch", {"command": "*** Begin Patch\n*** Update File: src/a.py\n@@\n-x\n+y\n"
                                 "*** Delete File: old.txt\n*** End Patch"}, ("src/a.py", "old.txt"), id="patch"),
    pytest.param("Edit", {"command": "*** Begin Patch\n*** Add File: n.md\n+x\n*** End Patch"}, ("n.md",),
                 id="codex-edit-alias-carries-patch"),
    pytest.param("apply_patch", {"command": "no headers"}, None, id="patch-without-files"),
])
def test_tool_footprint(tool: str, tool_input: object, want: object) -> None:
    """Each host's tool names map to the paths their input writes."""
    assert footprint(tool, tool_input) == want


def test_patch_move_target_counts_as_written() -> None:
    """A renamed file writes both its old and its new path."""
    text = "*** Begin Patch\n*** Update File: a.py\n*** Move to: b/a.py\n@@\n*** End Patch"
    assert patch_paths(text) == ("a.py", "b/a.py")
