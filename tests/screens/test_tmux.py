"""A person's view: tmux runs the screens on a real terminal, send-keys types, capture-pane reads the screen.

Needs tmux (``apt-get install tmux``); a missing tmux fails with that fix, it never skips.
"""

from __future__ import annotations

import shlex
import shutil
import subprocess
import sys
import time
import uuid

import pytest



class Tmux:
    """A private tmux server (its own socket), so it inherits this test's environment and nothing else."""

    def __init__(self, env: dict[str, str], cwd) -> None:
        if shutil.which("tmux") is None:
            pytest.fail("tmux is not installed: apt-get install tmux")
        self.sock = f"dos-test-{uuid.uuid4().hex[:8]}"
        self.env = env
        self.cwd = cwd

    def run(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null", *args], env=self.env, cwd=self.cwd,
                              capture_output=True, text=True, check=True).stdout

    def start(self, command: str) -> None:
        self.run("new-session", "-d", "-s", "main", "-x", "170", "-y", "50", command)

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "main")

    def wait_for(self, text: str, *, tries: int = 300) -> str:
        """Read the screen until TEXT shows (a bound on attempts, not a timing claim)."""
        screen = ""
        for _ in range(tries):
            screen = self.screen()
            if text in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{text!r} never appeared on the screen:\n{screen}")

    def alive(self) -> bool:
        return subprocess.run(["tmux", "-L", self.sock, "has-session", "-t", "main"], env=self.env,
                              capture_output=True).returncode == 0

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], env=self.env, capture_output=True)


@pytest.fixture
def tmux(fleet_ws, dos_env):
    t = Tmux(dos_env({"TERM": "xterm-256color"}), fleet_ws.path)
    yield t
    t.kill()


def dos_cmd(*args: str) -> str:
    return " ".join(shlex.quote(a) for a in (sys.executable, "-m", "dos", *args))


def test_plain_top_redraws_when_another_process_takes_a_lane(tmux, fleet_ws, run_dos) -> None:
    tmux.start(dos_cmd("top", "--no-tui", "--interval", "0.5"))
    first = tmux.wait_for("LANES")
    assert "read-only" in first and "Ctrl-C to quit" in first and "alice" not in first
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "alice", cwd=fleet_ws.path).returncode == 0
    screen = tmux.wait_for("alice")
    line = next(ln for ln in screen.splitlines() if "alice" in ln)
    assert "api" in line and "ADVANCING" in line and "fence 1" in line
    tmux.run("send-keys", "-t", "main", "C-c")
    for _ in range(100):
        if not tmux.alive():
            break
        time.sleep(0.1)
    assert not tmux.alive(), "Ctrl-C ends the plain screen"


def test_textual_top_on_a_real_terminal_quits_on_q(tmux, fleet_ws, run_dos) -> None:
    assert run_dos("lease-lane", "acquire", "--lane", "docs", "--owner", "bob", cwd=fleet_ws.path).returncode == 0
    tmux.start(dos_cmd("top", "--interval", "0.5"))
    screen = tmux.wait_for("bob")
    assert "dos top ·" in screen and "read-only" in screen
    tmux.run("send-keys", "-t", "main", "q")
    for _ in range(100):
        if not tmux.alive():
            break
        time.sleep(0.1)
    assert not tmux.alive(), "q quits the live screen"


def test_decisions_on_a_terminal_prints_the_chosen_command(tmux, fleet_ws, run_dos, tmp_path) -> None:
    ws = fleet_ws.path
    assert run_dos("lease-lane", "acquire", "--lane", "api", "--owner", "alice", cwd=ws).returncode == 0
    assert run_dos("halt", "--handle", "4711", "--lane", "api", cwd=ws).returncode == 0
    out = tmp_path / "chosen.txt"
    tmux.start(dos_cmd("decisions") + f" > /dev/tty; {dos_cmd('decisions', '--no-tui')} > {shlex.quote(str(out))}; "
               "sleep 30")
    tmux.wait_for("LIVENESS")
    tmux.run("send-keys", "-t", "main", "Enter")
    tmux.wait_for("kill -TERM 4711")
    for _ in range(100):
        if out.exists() and "kill -TERM 4711" in out.read_text():
            break
        time.sleep(0.1)
    assert "# operator decisions" in out.read_text()
