"""footprint(): a table of calls, a differential test against real bash, and never-raise properties."""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dos.kernel.footprint import PATCH_TOOLS, READ_TOOLS, SHELL_TOOLS, WRITE_TOOLS, footprint

U = None  # "cannot tell"


def bash(command: str) -> tuple[str, ...] | None:
    return footprint("Bash", {"command": command})


# --------------------------------------------------------------------------- the table

SHELL_CASES = [
    # the brief's cases
    ("echo x > ~+/api/a.py", ("api/a.py",)),
    ("echo x > ~root/.bashrc", ("~root/.bashrc",)),
    ("echo x > /dev/../etc/x", ("/dev/../etc/x",)),
    ("git -C api rm a.py", ("api/a.py",)),
    ("git --work-tree=api checkout -- a.py", ("api/a.py",)),
    ("cd api && echo x > a.py", ("api/a.py",)),
    ("git checkout -- .", (".",)),
    ("git restore -- .", (".",)),
    ("cp -r X/. .", (".",)),
    ("chmod -R 000 .", (".",)),
    ("rm -rf ../ws", ("../ws",)),
    ("echo x #> api/f.py", ()),
    ("echo x#y > f", ("f",)),
    ("cd api && echo x > $PWD/a.py", ("api/a.py",)),
    ("cd api && echo x > ${PWD}/a.py", ("api/a.py",)),
    ('cd api && touch "$PWD/b.py"', ("api/b.py",)),
    ("echo x > ~-/a", U),
    ("echo x > $OLDPWD/a", U),
    ("echo x > ~/notes", ("~/notes",)),
    # separators, lists and grouping
    ("touch a; touch b", ("a", "b")),
    ("touch a && touch b || touch c", ("a", "b", "c")),
    ("touch a | touch b", ("a", "b")),
    ("touch a & touch b", ("a", "b")),
    ("touch a\ntouch b", ("a", "b")),
    ("(cd api && touch a); touch b", ("api/a", "b")),
    ("{ cd web; touch a; }; touch b", ("web/a", "a", "web/b", "b")),
    ("cd api; rm b", ("b", "api/b")),
    ("cd api || exit 1; rm b", ("api/b", "b")),
    ("cd api && cd sub && touch x", ("api/sub/x",)),
    ("cd api/../web && touch x", ("web/x", "api/../web/x")),
    ("cd .. && touch x", ("../x",)),
    ("cd /abs && touch f", ("/abs/f",)),
    ("cd /abs && touch /etc/f", ("/etc/f",)),
    ("cd && touch f", U),
    ("cd - && touch f", U),
    ("cd ~ && touch a", U),
    ("cd ~/proj && touch /abs/a", ("/abs/a",)),
    ("cd $DIR && touch a", U),
    ("pushd api && touch a && popd && touch b", ("api/a", "b")),
    ("if [ -d api ]; then cd api; fi; touch x", ("api/x", "x")),
    ("if true; then touch a; elif false; then touch b; else touch c; fi", ("a", "b", "c")),
    ("while read line; do echo $line; done < in.txt", ()),
    ("until false; do touch x; done", ("x",)),
    ("for f in a b; do echo $f; done > out", ("out",)),
    ("for f in a b; do echo $f > out_$f; done", U),
    ("for d in api web; do cd $d; done; touch x", U),
    ("case $x in a|b) rm a;; *) touch b;; esac", ("a", "b")),
    ("case $x in (a) rm a;& b) touch b;;& *) : ;; esac", ("a", "b")),
    ("[[ -f a && -d b ]] && touch c", ("c",)),
    ("[[ $x -eq 1 ]] && touch c", U),
    ("! touch a", ("a",)),
    ("time touch a", ("a",)),
    # quoting, escapes and comments
    ("echo 'x > y' > \"out file\"", ("out file",)),
    ("touch a\\ b", ("a b",)),
    ("echo x > '~'/y", ("./~/y",)),
    ('touch "~/x"', ("./~/x",)),
    ("touch ~\"/x\"", ("./~/x",)),
    ("# just a comment\ntouch a", ("a",)),
    ("touch a # and a comment > b", ("a",)),
    ("echo it's", U),
    ("touch a \\\n  b", ("a", "b")),
    ("echo $'a\\'b' > x", U),
    # here-documents and here-strings
    ("cat > f.py <<'EOF'\nprint(1) > other\nrm -rf /\nEOF\n", ("f.py",)),
    ("cat > f.py <<EOF\n$HOME\nEOF", ("f.py",)),
    ("cat <<-EOF > f\n\tbody\n\tEOF\necho done > g", ("f", "g")),
    ("cat <<EOF > f\n$(rm -rf api)\nEOF\n", U),
    ("cat <<EOF\nEO\\\nF\nrm -rf api\nEOF\n", U),
    ("cat <<EOF > f\nnever closed\n", U),
    ("cat <<'A' <<'B' > f\na\nA\nb\nB\ntouch c", ("f", "c")),
    ("grep x <<< 'a > b'", ()),
    ("mkdir -p api/x && cat > api/x/a.py <<'EOF'\nhello `y` $z\nEOF\n", ("api", "api/x", "api/x/a.py")),
    # redirections
    ("echo x >> log", ("log",)),
    ("echo x >| log", ("log",)),
    ("echo x &> log", ("log",)),
    ("echo x &>> log", ("log",)),
    ("echo x 2> err", ("err",)),
    ("echo x 2>> err", ("err",)),
    ("cat <> rw", ("rw",)),
    ("echo x >&2", ()),
    ("echo x 2>&1", ()),
    ("echo x >& log", ("log",)),
    ("echo x >&-", ()),
    ("echo x > /dev/null 2>&1", ("/dev/null",)),
    ("exec 3> fd3.txt", ("fd3.txt",)),
    ("{ echo a; } 2> err > out", ("err", "out")),
    ("echo x > $OUT", U),
    ("echo x > out$(date +%s)", U),
    ("echo x > >(tee log)", ("log",)),
    ("cp a 2 > f", ("2", "f")),
    # variables, wrappers and expansions
    ("A=1 B=2 touch a", ("a",)),
    ("HOME=/x; echo > ~/a", U),
    ("PATH=/evil:$PATH ls", U),
    ("GIT_WORK_TREE=/x git checkout -- a", U),
    ("export FOO=bar && touch a", ("a",)),
    ("export HOME=/x", U),
    ("declare -n ref=x", U),
    ("read -r line && touch a", ("a",)),
    ("read PWD", U),
    ("echo $HOME ${USER:-me} $(date) && touch a", ("a",)),
    ("echo ${HOME:=/tmp}", U),
    ("echo ${x// /_} #c ; rm -rf api", U),
    ("echo $((1+2))", U),
    ("echo `rm x`", U),
    ("echo $(rm -rf x)", ("x",)),
    ("x=$(cd web && touch inner) && touch outer", ("web/inner", "outer")),
    ('git commit -m "$(cat <<\'EOF\'\nFix "x" `y`\nEOF\n)"', ()),
    ("cat <(touch p) > f", ("p", "f")),
    ("sudo -u root rm -rf /tmp/x", ("/tmp/x",)),
    ("sudo -s rm x", U),
    ("command rm a", ("a",)),
    ("command -v rm", ()),
    ("builtin cd api && touch a", ("api/a",)),
    ("env -i A=1 rm b", ("b",)),
    ("env LD_PRELOAD=x.so cat f", U),
    ("nice -n 5 touch a", ("a",)),
    ("nohup sleep 1", ("nohup.out", "~/nohup.out")),
    ("timeout 5 rm a", ("a",)),
    ("stdbuf -oL grep x f", ()),
    ("exec rm a", ("a",)),
    ("/usr/bin/time -o t.txt ls", ("t.txt",)),
    ("xargs grep foo < list", ()),
    ("find . -name '*.py' | xargs grep foo", ()),
    ("xargs rm < list", U),
    ("bash -lc 'cd api && rm a'", ("api/a",)),
    ("sh -c \"echo hi > x\"", ("x",)),
    ("bash -c 'cd api' && touch a", ("a",)),
    ("bash script.sh", U),
    ("bash <<'EOF'\ntouch from_stdin\nEOF", ("from_stdin",)),
    ("bash -c \"$CMD\"", U),
    ("eval 'rm a'", U),
    ("source env.sh", U),
    ("f() { rm a; }; f", U),
    ("alias ls='rm -rf api'", U),
    ("trap 'rm a' EXIT", U),
    ("set -euo pipefail; touch a", ("a",)),
    ("set -o posix; rm a -rf", U),
    ("./run.sh", U),
    ("~/bin/tool", U),
    ("mcp-tool x", U),
    # globs and braces
    ("rm api/*.py", ("api/*.py",)),
    ("rm *.pyc", ("*.pyc",)),
    ("cp *.py dest/", U),
    ("sed -n 1p *.txt", U),
    ("touch {a,b}.txt", ("a.txt", "b.txt")),
    ("mkdir -p src/{x,y/z}", ("src", "src/x", "src/y", "src/y/z")),
    ("touch file{1..3}", U),
    ("touch '{a,b}'", ("{a,b}",)),
    ("ls [ab]* && touch c", ("c",)),
    # known writers
    ("touch -d yesterday a", ("a",)),
    ("rm -rf -- -x", ("-x",)),
    ("rmdir -p a/b/c", ("a", "a/b", "a/b/c")),
    ("mkdir -p -m 755 a/b", ("a", "a/b")),
    ("mv a b c/", ("a", "b", "c/")),
    ("mv -t dir a b", ("a", "b", "dir")),
    ("mv -b a b", ("a", "b", "a*", "b*")),
    ("cp a b", ("b",)),
    ("cp -t dir a b", ("dir",)),
    ("cp --target-directory=dir a", ("dir",)),
    ("cp --targ=dir a", ("dir",)),
    ("cp a", U),
    ("cp -Q a b", U),
    ("install -D src/a build/x/a", ("build", "build/x", "build/x/a")),
    ("install -d a/b", ("a", "a/b")),
    ("ln -s api alias", ("alias",)),
    ("ln -sf ../target", ("target",)),
    ("unlink x", ("x",)),
    ("link a b", ("b",)),
    ("printf x | tee a b", ("a", "b")),
    ("truncate -s 0 a", ("a",)),
    ("shred -u a", ("a",)),
    ("dd if=/dev/zero of=out bs=1", ("out",)),
    ("dd of=~/x", U),
    ("chmod +x a.sh", ("a.sh",)),
    ("chmod -x a.sh b", ("a.sh", "b")),
    ("chmod --reference=r a", ("a",)),
    ("chown -R user:group dir", ("dir",)),
    ("chgrp staff f", ("f",)),
    ("sed -i 's/a/b/' api/x.py", ("api/x.py",)),
    ("sed -i.bak 's/a/b/' f", ("f", "f.bak")),
    ("sed -ni 's/a/b/p' f", ("f",)),
    ("sed --in-place=.orig -e 's/a/b/' f g", ("f", "g", "f.orig", "g.orig")),
    ("sed -n '1,20p' f", ()),
    ("sed 's/a/b/w out' f", U),
    ("sed '1e rm -rf x' f", U),
    ("sed 's/[/]/X/g;s/a/b/' f", ()),
    ("sed -f script.sed f", U),
    ("perl -pi -e 's/a/b/g' f.txt", ("f.txt",)),
    ("perl -pi.bak -e 's/a/$1/' f", ("f", "f.bak")),
    ("perl -pi -e 's/a/@{[unlink q(x)]}/' f", U),
    ("perl -e 'unlink q(x)'", U),
    ("sort -o out in", ("out",)),
    ("sort --output=out in", ("out",)),
    ("sort in", ()),
    ("uniq in out", ("out",)),
    ("tar -xzf a.tgz -C out", ("out",)),
    ("tar xzf a.tgz", (".",)),
    ("tar -czf out.tgz src", ("out.tgz",)),
    ("tar -tf a.tar", ()),
    ("tar -xf a.tar --to-command=sh", U),
    ("tar -xPf a.tar", U),
    ("unzip a.zip -d z", ("z",)),
    ("unzip a.zip", (".",)),
    ("unzip -l a.zip", ()),
    ("patch -p1 < d.diff", (".",)),
    ("patch -d api -p1 < d.diff", ("api",)),
    ("patch --dry-run -p1 < d.diff", ()),
    ("rsync -a --delete SRC/ .", (".",)),
    ("rsync -av src/ host:dst/", U),
    ("rsync -a -e ssh src/ dst/", U),
    ("rsync -a --backup-dir=old src/ dst/", ("old", "dst/")),
    ("scp host:a.txt local/", ("local/",)),
    ("scp a.txt host:", U),
    ("curl -s http://localhost/health", ()),
    ("curl -sSL -o out.json http://x", ("out.json",)),
    ("curl -O http://x/f", U),
    ("apply_patch <<'EOF'\n*** Begin Patch\n*** Add File: api/n.py\n+x\n*** End Patch\nEOF", ("api/n.py",)),
    # known readers and their writing modes
    ("ls -la && cat README.md | grep -n x | head -5 | wc -l", ()),
    ("find . -name '*.py' -print", ()),
    ("find . -name '*.pyc' -delete", U),
    ("find . -exec rm {} \\;", U),
    ("awk '{print $1}' f", ()),
    ("awk '{print > \"x\"}' f", U),
    ("awk -i inplace '{print}' f", U),
    ("rg -n foo src", ()),
    ("rg --pre ./evil foo", U),
    ("fd -e py", ()),
    ("fd -x rm", U),
    ("tree -L 2", ()),
    ("tree -o out.txt", ("out.txt",)),
    ("diff a b; cmp a b; stat a; du -sh .", ()),
    ("jq . data.json", ()),
    ("pytest -q -x tests/", ()),
    ("pytest --basetemp=out", U),
    ("python -c 'print(1)'", U),
    ("node build.js", U),
    ("make", U),
    ("npm install", U),
    ("cargo build", U),
    ("go test ./...", U),
    # git
    ("git status && git diff && git log --oneline", ()),
    ("git add -A && git commit -m wip", ()),
    ("git commit -m \"$MSG\"", ()),
    ("git fetch origin && git branch -l && git tag v1", ()),
    ("git config user.name Me", ()),
    ("git config core.hooksPath x", U),
    ("git config --file=cfg user.name Me", ("cfg",)),
    ("git log --output=log.txt", ("log.txt",)),
    ("git diff --outp=d.txt", ("d.txt",)),
    ("git -C api diff --output=d.txt", ("api/d.txt",)),
    ("git grep -O foo", U),
    ("git reset --hard", (":/",)),
    ("git reset HEAD~1", ()),
    ("git reset -- a.py", ()),
    ("git stash", (":/",)),
    ("git stash pop", (":/",)),
    ("git stash list", ()),
    ("git clean -fd", (":/",)),
    ("git clean -fd api/", ("api/",)),
    ("git clean -n", ()),
    ("git merge feature", (":/",)),
    ("git merge -s evil feature", U),
    ("git pull", (":/",)),
    ("git rebase main", (":/",)),
    ("git rebase -x 'make' main", U),
    ("git switch feature", (":/",)),
    ("git checkout feature", (":/",)),
    ("git checkout HEAD~1 -- api web/x.js", ("api", "web/x.js")),
    ("git checkout -- :/api", (":/",)),
    ("git am < p.mbox", (":/",)),
    ("git apply fix.diff", (":/",)),
    ("git apply --check fix.diff", ()),
    ("git restore --staged a.py", ()),
    ("git restore a.py", ("a.py",)),
    ("git restore --source=HEAD~1 --staged --worktree api", ("api",)),
    ("git rm --cached a.py", ()),
    ("git rm -r docs", ("docs",)),
    ("git mv a.py b.py", ("a.py", "b.py")),
    ("cd api && git rm a.py", ("api/a.py",)),
    ("git -C api -C sub rm a.py", ("api/sub/a.py",)),
    ("git --work-tree=api reset --hard", ("api",)),
    ("git --git-dir=x status", U),
    ("git -c core.fsmonitor=evil status", U),
    ("git -c color.ui=never log", ()),
    ("git clone https://x/y.git dst", ("dst",)),
    ("git clone https://x/y.git", U),
    ("git init sub", ("sub",)),
    ("git worktree add ../wt feature", ("../wt",)),
    ("git bisect run make", U),
    ("git submodule foreach rm -rf .", U),
    ("git submodule update --init", (":/",)),
    ("git archive -o out.tar HEAD", ("out.tar",)),
    ("git format-patch -o patches HEAD~2", ("patches",)),
    ("git lfs pull", U),
    ("git my-alias", U),
    # malformed input
    ("echo 'unterminated", U),
    ('echo "unterminated', U),
    ("echo x \\", U),
    ("echo )", U),
    ("if true; then", U),
    ("touch a &&", U),
    ("echo a\x00b", U),
    ("", ()),
    ("   \n\t ", ()),
]


@pytest.mark.parametrize(("command", "expected"), SHELL_CASES, ids=[repr(c)[:60] for c, _ in SHELL_CASES])
def test_shell_command(command: str, expected: tuple[str, ...] | None) -> None:
    got = bash(command)
    if expected is None:
        assert got is None
    else:
        assert got is not None, "expected a definite answer"
        assert sorted(got) == sorted(expected)


PATCH = ("*** Begin Patch\n*** Update File: api/a.py\n@@\n-x\n+y\n*** Move to: web/b.py\n"
         "*** Delete File: old.py\n*** End Patch")
DIFF = "diff --git a/api/x.py b/api/x.py\n--- a/api/x.py\n+++ b/api/x.py\n@@ -1 +1 @@\n-a\n+b\n"

TOOL_CASES = [
    ("Write", {"file_path": "/ws/api/a.py", "content": "x"}, ("/ws/api/a.py",)),
    ("Edit", {"file_path": "api/a.py", "old_string": "a", "new_string": "b"}, ("api/a.py",)),
    ("MultiEdit", {"file_path": "a.py", "edits": []}, ("a.py",)),
    ("NotebookEdit", {"notebook_path": "n.ipynb"}, ("n.ipynb",)),
    ("write_file", {"file_path": "docs/a.md", "content": ""}, ("docs/a.md",)),
    ("replace", {"file_path": "docs/a.md"}, ("docs/a.md",)),
    ("edit_file", {"target_file": "web/x.js"}, ("web/x.js",)),
    ("write_to_file", {"TargetFile": "/abs/x"}, ("/abs/x",)),
    ("replace_file_content", {"TargetFile": "x"}, ("x",)),
    ("Write", {"file_path": "~/x"}, ("~/x", "./~/x")),
    ("Write", {}, U),
    ("Write", {"file_path": ""}, U),
    ("Write", {"file_path": 7}, U),
    ("Write", "not a mapping", U),
    ("edit", {"input": PATCH}, ("api/a.py", "web/b.py", "old.py")),
    ("apply_patch", {"input": PATCH}, ("api/a.py", "web/b.py", "old.py")),
    ("apply_patch", PATCH, ("api/a.py", "web/b.py", "old.py")),
    ("apply_patch", {"input": PATCH, "workdir": "sub"}, ("sub/api/a.py", "sub/web/b.py", "sub/old.py")),
    ("apply_patch", {"patch": DIFF}, ("api/x.py",)),
    ("apply_patch", {"input": "*** Begin Patch\n*** End Patch"}, U),
    ("apply_patch", {"input": "--- /dev/null\n+++ /dev/null\n"}, U),
    ("apply_patch", {}, U),
    ("Read", {"file_path": "x"}, ()),
    ("read", {}, ()),
    ("GREP", {"pattern": "x"}, ()),
    ("TodoWrite", {"todos": []}, ()),
    ("Task", {}, ()),
    ("Agent", {}, ()),
    ("TaskCreate", {}, ()),
    ("Skill", {}, ()),
    ("ScheduleWakeup", {}, ()),
    ("ExitWorktree", {}, ()),
    ("AskUserQuestion", {}, ()),
    ("KillShell", {}, ()),
    ("ListMcpResourcesTool", {}, ()),
    ("ToolSearch", {}, ()),
    ("WebFetch", {"url": "http://x"}, ()),
    ("mcp__server__write", {"path": "x"}, U),
    ("SomethingNew", {}, U),
    (7, {}, U),
    ("Bash", {"command": "touch a"}, ("a",)),
    ("Bash", {"command": 7}, U),
    ("Bash", {}, U),
    ("shell", {"command": ["bash", "-lc", "touch a"], "workdir": "/w"}, ("/w/a",)),
    ("shell", {"command": ["/bin/bash", "-c", "cd api && rm x"]}, ("api/x",)),
    ("shell", {"command": ["rm", "-rf", "build"], "workdir": "api"}, ("api/build",)),
    ("shell", {"command": ["touch", "~/x"]}, ("./~/x",)),
    ("shell", {"command": ["apply_patch", PATCH]}, ("api/a.py", "web/b.py", "old.py")),
    ("shell", {"command": ["python", "x.py"]}, U),
    ("shell", {"command": ["bash", 7]}, U),
    ("exec_command", {"cmd": "touch a", "workdir": "api"}, ("api/a",)),
    ("unified_exec", {"cmd": "echo x > $PWD/a", "workdir": "/abs"}, ("/abs/a",)),
    ("run_shell_command", {"command": "touch a", "directory": "web"}, ("web/a",)),
    ("run_shell_command", {"command": "touch a", "dir_path": "web"}, ("web/a",)),
    ("run_terminal_cmd", {"command": "touch a", "cwd": "/x"}, ("/x/a",)),
    ("run_command", {"CommandLine": "touch a", "Cwd": "docs"}, ("docs/a",)),
    ("local_shell", {"action": {"command": ["touch", "a"], "working_directory": "/w"}}, ("/w/a",)),
    ("exec_command", {"cmd": "touch a", "workdir": "~/proj"}, U),
    ("exec_command", {"cmd": "touch a", "workdir": "a", "cwd": "b"}, U),
    ("exec_command", {"cmd": "touch a", "command": "touch b"}, U),
    ("container.exec", {"cmd": "git status"}, ()),
]


@pytest.mark.parametrize(("tool", "tool_input", "expected"), TOOL_CASES,
                         ids=[f"{t}-{str(i)[:40]}" for t, i, _ in TOOL_CASES])
def test_tool_call(tool: object, tool_input: object, expected: tuple[str, ...] | None) -> None:
    got = footprint(tool, tool_input)
    if expected is None:
        assert got is None
    else:
        assert got is not None and sorted(got) == sorted(expected)


def test_the_table_is_large() -> None:
    assert len(SHELL_CASES) + len(TOOL_CASES) >= 120


def test_tool_sets_are_exported_and_folded() -> None:
    for names in (READ_TOOLS, WRITE_TOOLS, SHELL_TOOLS, PATCH_TOOLS):
        assert names and all(n == n.casefold() for n in names)
    for name in ("Agent", "TaskOutput", "SlashCommand", "CronDelete", "SendMessage", "EnterWorktree", "LSP",
                 "Monitor", "BashOutput", "KillBash", "ReadMcpResourceTool", "NotebookRead", "LS", "Glob"):
        assert footprint(name, {}) == ()


def test_import_is_cheap() -> None:
    """The module imports neither shlex nor re (nor typing machinery) until a shell command needs it."""
    code = ("import sys; before = set(sys.modules); import dos.kernel.footprint as f; "
            "print(sorted(set(sys.modules) - before))")
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    loaded = set(json.loads(out.replace("'", '"')))
    assert not loaded & {"shlex", "re", "typing", "dataclasses", "enum", "collections"}


def _best(command: str) -> float:
    best = float("inf")
    for _ in range(5):  # the best of a few runs: our cost, not the machine's load
        start = time.perf_counter()
        footprint("Bash", {"command": command})
        best = min(best, time.perf_counter() - start)
    return best


# Each builder makes a command of N units; the parser must be linear in N, not quadratic.
BUILDERS = [
    lambda n: "cat > f <<'EOF'\n" + "x = 1\n" * n + "EOF\n",
    lambda n: "echo '" + "a" * (6 * n) + "' > f",
    lambda n: "echo a; " * n,
    lambda n: "x" * (6 * n),
    lambda n: 'echo "' + "$a " * (2 * n) + '"',
    lambda n: "echo " + "a\\ " * (2 * n),
    lambda n: ";" * (6 * n),
    lambda n: "(" * (6 * n),
    lambda n: "$(" * (3 * n),
    lambda n: "${" * (3 * n),
]


@pytest.mark.parametrize("build", BUILDERS)
def test_a_100kb_command_costs_linear_time(build) -> None:
    # A ratio measured side by side, not a wall-clock limit: ten times the text may cost
    # ten times the work (plus noise), never the hundred times a quadratic scan would.
    footprint("Bash", {"command": build(1700)})  # warm up the lazy imports
    small, large = _best(build(1700)), _best(build(17000))
    assert large < 40 * max(small, 1e-4)


def test_brace_expansion_is_not_expanded_combinatorially() -> None:
    got = footprint("Bash", {"command": "echo {a,b}{c,d}{e,f}{g,h}{i,j}{k,l}{m,n}{o,p}{q,r}{s,t}"})
    assert got is None or len(got) < 64


# --------------------------------------------------------------------------- never raise

SHELLISH = st.text(alphabet=" \t\n;&|()<>$`'\"\\#{}[]*?~=-+/.:!%,@^abcdefgxyzEOFPWDHOME0123456789\x00\udc80é",
                   max_size=80)
JSONISH = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
                       lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner,
                                                                                   max_size=4), max_leaves=12)
TOOLS = st.sampled_from(sorted(READ_TOOLS | WRITE_TOOLS | SHELL_TOOLS | PATCH_TOOLS) + ["Bash", "mcp__x", "??"])


@settings(max_examples=400, deadline=None)
@given(SHELLISH)
def test_shell_text_never_raises(command: str) -> None:
    got = footprint("Bash", {"command": command})
    assert got is None or (isinstance(got, tuple) and all(isinstance(p, str) and p for p in got))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_never_raises(command: str) -> None:
    footprint("exec_command", {"cmd": command, "workdir": "w"})


@settings(max_examples=300, deadline=None)
@given(TOOLS, JSONISH)
def test_any_tool_input_never_raises(tool: str, tool_input: object) -> None:
    footprint(tool, tool_input)


@settings(max_examples=200, deadline=None)
@given(TOOLS, st.dictionaries(st.sampled_from(["command", "cmd", "workdir", "cwd", "file_path", "input", "patch",
                                               "path", "directory", "action"]), JSONISH | SHELLISH, max_size=4))
def test_shaped_tool_input_never_raises(tool: str, tool_input: dict) -> None:
    footprint(tool, tool_input)


# --------------------------------------------------------------------------- differential test against bash

DIFFERENTIAL = [
    "touch api/new.py", "echo hi > api/n.py", "echo hi >> README.md", "printf x | tee web/t1 web/t2 > /dev/null",
    "cd api && touch made.py", "cd api; cd nonexist; touch x", "cd nonexist && touch x", "cd nonexist; touch y",
    "(cd web && rm app.js); touch top", "mkdir -p a/b/c", "mkdir -p a/b && rmdir -p a/b", "cp -r api api2",
    "cp api/a.py web/", "mv api/b.py docs/", "ln -s api alias", "ln api/a.py hard", "chmod -R 700 web",
    "chmod +x api/a.py", "touch docs/{x,y}.md", "cat <<'EOF' > docs/h.md\nline > web/not\nEOF",
    "cat <<EOF | tee docs/g.md >/dev/null\n$HOME\nEOF", "sed -i 's/print/log/' api/a.py",
    "sed -i.bak s/hello/bye/ README.md", "perl -pi -e 's/html/HTML/' web/index.html", "sort -o docs/sorted README.md",
    "truncate -s 0 api/a.py", "dd if=README.md of=docs/copy bs=1 2>/dev/null", "tar -xf data.tar -C docs",
    "tar -cf out.tar api", "tar xf data.tar", "patch -p1 < fix.diff", "install -D api/a.py build/x/a.py",
    "rm -rf web", "rm api/*.py", "find . -name '*.md' -print > found.txt", "grep -rl print . > hits.txt",
    "ls | sort > listing", "echo $(touch sub_made) > out", "x=$(cd web && touch inner); echo $x",
    "bash -c 'cd docs && touch inside'", "sh -c \"echo x > web/from_sh\"",
    "if [ -f README.md ]; then cd docs; fi; touch after", "while false; do rm -rf api; done; touch w",
    "case x in x) touch case_hit;; esac", "pushd api >/dev/null && touch p1 && popd >/dev/null && touch p2",
    "mkdir '~' && echo x > '~/y'", "touch ~/homefile", "echo x #> api/f.py", "echo x#y > f",
    "true && echo a > and_ok || echo b > or_ok", "false && touch no || touch yes", "{ echo a; echo b; } > grouped",
    "exec 3>fd3.txt; echo hi >&3", "cd api && echo x > $PWD/pwd.py", "echo x > ~+/docs/tplus.md",
    "cd web && cd .. && touch back", "cd api/sub/.. && touch viadots", "cd lnk/.. && touch logical",
    "cd -P lnk/.. && touch physical", "cd lnk && touch ../through", "git checkout -- .", "cd api && git checkout -- .",
    "git -C web restore app.js", "git restore --staged web/app.js", "git rm api/b.py", "git -C api rm a.py",
    "git mv docs/readme.md docs/r.md", "git stash", "git stash && git stash pop", "git reset --hard",
    "git reset --hard HEAD~1", "git reset HEAD~1", "git clean -fd", "git clean -fdx", "git clean -n",
    "git checkout feature", "git switch feature", "git merge --no-edit feature", "git checkout HEAD~1 -- api",
    "git log --oneline > log.txt", "git diff --output=d.txt", "git add -A && git commit -qm wip",
    "git --work-tree=api checkout -- a.py", "git init sub", "git worktree add -q ../wt feature",
    "git apply fix.diff", "git rm -r --cached docs", "unzip -q data.zip -d unz", "unzip -qo data.zip",
    "cat <(touch procsub) > ps_out", "rm -rf ../ws", "nohup true > /dev/null 2>&1", "timeout 5 touch t5",
    "env A=1 touch envd", "echo x > 'quoted name'", "touch a\\ b", "ls [ab]* 2>/dev/null; touch brk",
]


def make_tree(root: Path) -> Path:
    """A git repository with two commits, a branch, uncommitted changes and some fixtures."""
    ws = root / "ws"
    for rel, text in {"api/a.py": "print('a')\n", "api/b.py": "print('b')\n", "api/sub/c.py": "c\n",
                      "web/index.html": "<html></html>\n", "web/app.js": "app\n", "docs/readme.md": "readme\n",
                      "README.md": "hello\n"}.items():
        (ws / rel).parent.mkdir(parents=True, exist_ok=True)
        (ws / rel).write_text(text)

    def git(*args: str) -> None:
        subprocess.run(["git", *args], cwd=ws, check=True, capture_output=True)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "one")
    (ws / "api/a.py").write_text("print('a2')\n")
    git("commit", "-qam", "two")
    git("checkout", "-qb", "feature")
    (ws / "docs/feature.md").write_text("feature\n")
    (ws / "api/b.py").write_text("print('feature')\n")
    git("add", "-A")
    git("commit", "-qm", "feature")
    git("checkout", "-q", "main")
    (ws / "web/app.js").write_text("app changed\n")
    (ws / "docs/untracked.md").write_text("new\n")
    (ws / "fix.diff").write_text("--- a/README.md\n+++ b/README.md\n@@ -1 +1 @@\n-hello\n+patched\n")
    os.symlink("api/sub", ws / "lnk")
    subprocess.run(["tar", "-cf", str(ws / "data.tar"), "-C", str(ws / "api"), "sub"], check=True)
    subprocess.run(["zip", "-qr", str(ws / "data.zip"), "docs"], cwd=ws, check=True)
    return ws


def snapshot(ws: Path) -> dict[str, tuple]:
    """Every path under WS (but .git) with its kind, mode and content hash or link target."""
    out: dict[str, tuple] = {}
    if not ws.exists():
        return out
    for top, dirs, files in os.walk(ws):
        rel_top = os.path.relpath(top, ws)
        if rel_top == ".":
            dirs[:] = [d for d in dirs if d != ".git"]
        for name in dirs + files:
            path = os.path.join(top, name)
            rel = os.path.normpath(os.path.join(rel_top, name))
            st_ = os.lstat(path)
            if os.path.islink(path):
                out[rel] = ("l", os.readlink(path))
            elif os.path.isdir(path):
                out[rel] = ("d", st_.st_mode)
            else:
                out[rel] = ("f", st_.st_mode, hashlib.sha256(Path(path).read_bytes()).hexdigest())
    return out


GLOB = "*?[{"


def covered(changed: str, written: tuple[str, ...], ws: Path, home: Path) -> bool:
    """CHANGED (relative to WS) lies at or under one of WRITTEN, resolved as the caller would."""
    for path in written:
        if path.startswith(":/"):
            return True
        cut = min([path.index(c) for c in GLOB if c in path] + [len(path)])
        prefix, partial = path[:cut], cut < len(path)
        if prefix.startswith("~"):
            prefix = str(home) + prefix[prefix.find("/"):] if "/" in prefix else str(home)
        base = prefix if os.path.isabs(prefix) else os.path.join(ws, prefix)
        for resolved in {os.path.normpath(base), os.path.realpath(base)}:
            rel = os.path.relpath(resolved, os.path.realpath(ws))
            if partial and not (prefix.endswith("/") or prefix == ""):
                if changed.startswith(rel if rel != "." else ""):
                    return True
            elif rel == "." or changed == rel or changed.startswith(rel + "/"):
                return True
    return False


@pytest.mark.parametrize("command", [c for c in DIFFERENTIAL if bash(c) is not None])
def test_bash_never_writes_outside_the_footprint(command: str, tmp_path: Path) -> None:
    check_against_bash(command, tmp_path)


def check_against_bash(command: str, tmp_path: Path) -> None:
    """Run COMMAND with bash in a fresh tree; every changed path must lie under its footprint."""
    ws = make_tree(tmp_path).resolve()
    home = Path(os.environ["HOME"])
    written = bash(command)
    before = snapshot(ws)
    subprocess.run(["bash", "-c", command], cwd=ws, capture_output=True, timeout=30,
                   env={**os.environ, "GIT_EDITOR": "true", "PAGER": "cat"})
    after = snapshot(ws)
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    assert written is not None, "only definite footprints can be checked against bash"
    missed = [p for p in changed if not covered(p, written, ws, home)]
    assert not missed, f"{command!r} wrote {missed} outside {written}"


def test_the_differential_corpus_is_mostly_definite() -> None:
    definite = [c for c in DIFFERENTIAL if bash(c) is not None]
    assert len(DIFFERENTIAL) >= 60
    assert len(definite) >= len(DIFFERENTIAL) - 3, [c for c in DIFFERENTIAL if bash(c) is None]


RANDOM_WORDS = ["a", "api/x", "web/y", "docs", "api", "'q q'", '"d q"', "a\\ b", "~+/api/t", "x#y", "f{1,2}",
                "../ws/api/z", "{a,b}/c", "'~'"]
RANDOM_DIRS = ["api", "web", "docs", "..", "api/sub", "lnk", "lnk/..", "nonexist", "'api'", "api/../web", "/"]


def random_command(rng: random.Random, depth: int = 0) -> str:
    """A small random script of writers, cd, here-documents and control flow over the test tree."""
    kind = rng.randrange(9 if depth < 2 else 4)
    w = lambda: rng.choice(RANDOM_WORDS)  # noqa: E731
    if kind < 4:
        return rng.choice([
            f"touch {w()}", f"echo hi > {w()}", f"rm -rf {w()}", f"mkdir -p {w()}", f"cd {rng.choice(RANDOM_DIRS)}",
            f"cat <<'E' > {w()}\nbody > {w()}\nE\n", f"echo x #> {w()}", f"cp {w()} {w()}", f"mv {w()} {w()}",
            f"pushd {rng.choice(RANDOM_DIRS)}", "popd", f"echo $(touch {w()}) > {w()}", f"git checkout -- {w()}",
            f"printf x | tee {w()}"])
    left, right = random_command(rng, depth + 1), random_command(rng, depth + 1)
    return [f"{left} && {right}", f"{left} || {right}", f"({left}); {right}", f"{{ {left}; }}; {right}",
            f"if {left}; then {right}; else {random_command(rng, depth + 1)}; fi"][kind - 4]


@pytest.mark.parametrize("seed", range(40))
def test_random_scripts_never_write_outside_the_footprint(seed: int, tmp_path: Path) -> None:
    rng = random.Random(seed)
    for _ in range(50):  # draw until the script is one footprint can answer definitely
        command = "; ".join(random_command(rng) for _ in range(rng.randrange(1, 4)))
        if bash(command) is not None:
            break
    check_against_bash(command, tmp_path)
