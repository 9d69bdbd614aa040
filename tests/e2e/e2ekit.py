"""The e2e harness: a real git workspace wired by DOS, and each agent CLI run against the fake model.

Nothing here writes a hook by hand: hooks come from ``dos init --hooks HOST`` or
``dos guard``. What the harness does write is the user-level state any user of that host
already has (an API endpoint, an accepted folder-trust prompt), always inside a
throwaway HOME, never the real one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from fakemodel import FakeModel, Turn, call, dynamic, say

VENV_BIN = Path(sys.executable).parent  # the venv running pytest: where `dos` and `dos-hook` live
DOS = VENV_BIN / "dos"
HOLDER = "bob"
CLI_TIMEOUT = float(os.environ.get("DOS_E2E_CLI_TIMEOUT", "150"))
FAKE_KEY = "e2e-fake-key-not-a-secret"


# --------------------------------------------------------------------------- PATHs


def _has_dos(d: str) -> bool:
    return any(os.access(os.path.join(d, exe), os.X_OK) for exe in ("dos", "dos-hook", "dos-mcp"))


def user_path(*front: Path) -> str:
    """The PATH of a user's shell that has NOT activated the venv: no dir holding dos or dos-hook."""
    seen: list[str] = [str(p) for p in front]
    for d in os.environ.get("PATH", "").split(os.pathsep) + ["/usr/local/bin", "/usr/bin", "/bin"]:
        if d and d not in seen and not _has_dos(d) and os.path.isdir(d):
            seen.append(d)
    node = shutil.which("node", path=os.pathsep.join(seen))
    if node is None and shutil.which("node"):
        seen.append(os.path.dirname(shutil.which("node")))  # type: ignore[arg-type]
    return os.pathsep.join(seen)


def activated_path() -> str:
    """The PATH of a shell that ran ``source .venv/bin/activate``."""
    return os.pathsep.join([str(VENV_BIN), user_path()])


def hook_shim(base: Path) -> Path:
    """A directory holding only ``dos-hook`` (a link to the venv's), as ``pipx install`` leaves in ~/.local/bin.

    The portable command in committed files (Codex, Gemini) runs ``dos-hook`` from PATH; this
    gives the agent one without putting the venv (python, dos, pip) on its PATH.
    """
    shim = base / "pipx-bin"
    shim.mkdir(exist_ok=True)
    link = shim / "dos-hook"
    if not link.exists():
        link.symlink_to(VENV_BIN / "dos-hook")
    return shim


# --------------------------------------------------------------------------- the workspace


@dataclass
class Workspace:
    root: Path  # the git repo, with dos.toml (lanes api and web) and bob's lease on api
    home: Path  # the agent's HOME (user-level config of every host goes here)
    outside: Path  # a directory outside the workspace
    shim: Path | None = None  # a pipx-like bin directory holding only dos-hook

    def path(self, rel: str) -> Path:
        return self.root / rel


def dos(ws_root: Path, *args: str, activated: bool = False, check: bool = True,
        env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the product's own CLI in WS_ROOT, by its absolute path (``.venv/bin/dos``) or from an activated venv."""
    env = dict(os.environ, PATH=activated_path() if activated else user_path(), **(env or {}))
    argv = ["dos", *args] if activated else [str(DOS), *args]
    proc = subprocess.run(argv, cwd=ws_root, env=env, text=True, capture_output=True, timeout=120)
    if check and proc.returncode != 0:
        raise AssertionError(f"`{' '.join(argv)}` exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}")
    return proc


def git(ws_root: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(ws_root), *args], check=True, text=True, capture_output=True).stdout


def make_workspace(base: Path) -> Workspace:
    """A real repo with two top-level source dirs, ``dos init`` (lanes api, web), and bob holding api."""
    root = base / "repo"
    (root / "api").mkdir(parents=True)
    (root / "web").mkdir()
    (root / "api" / "__init__.py").write_text('"""api package."""\n')
    (root / "web" / "__init__.py").write_text('"""web package."""\n')
    (root / "README.md").write_text("e2e workspace\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "initial layout")
    out = dos(root, "init").stdout
    assert "api" in out and "web" in out, out
    lease = dos(root, "lease-lane", "acquire", "--lane", "api", "--owner", HOLDER, "--session", "other",
                "--ttl-seconds", "3600")
    assert json.loads(lease.stdout)["lease"]["holder"] == HOLDER, lease.stdout
    home = base / "home"
    home.mkdir()
    outside = base / "outside"
    outside.mkdir()
    return Workspace(root.resolve(), home.resolve(), outside.resolve(), hook_shim(base).resolve())


# --------------------------------------------------------------------------- hosts


@dataclass(frozen=True)
class Host:
    """How to drive one agent CLI non-interactively against the fake."""

    name: str  # the DOS host name (dos init --hooks NAME)
    exe: str  # key in the installed-CLI map and the executable's name
    api: str  # which API the fake must speak

    # -- per-host knobs, overridden below

    def write(self, ws: Workspace, target: Path, content: str) -> Turn:
        raise NotImplementedError

    def argv(self, exe: Path, ws: Workspace, prompt: str, extra: Sequence[str] = ()) -> list[str]:
        raise NotImplementedError

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        raise NotImplementedError

    def user_config(self, ws: Workspace, fake: FakeModel, *, trust_project: bool = True) -> None:
        """What a user of this host already has in HOME: an endpoint and an accepted trust prompt."""

    def failure_noise(self, proc: subprocess.CompletedProcess[str]) -> list[str]:
        """Lines where the host says a hook failed (a deny must not look like a crash)."""
        return []

    def exe_env(self, exe: Path) -> dict[str, str]:
        """What the environment needs to know about the installed executable itself."""
        return {}


class ClaudeCode(Host):
    def write(self, ws: Workspace, target: Path, content: str) -> Turn:
        return call("Write", file_path=str(target), content=content)

    def argv(self, exe: Path, ws: Workspace, prompt: str, extra: Sequence[str] = ()) -> list[str]:
        # bypassPermissions: Claude Code's own permission prompts are off, so DOS is the only gate.
        return [str(exe), "-p", prompt, "--permission-mode", "bypassPermissions", "--output-format", "json",
                *extra]

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        return {"ANTHROPIC_BASE_URL": fake.url, "ANTHROPIC_API_KEY": FAKE_KEY,
                "IS_SANDBOX": "1",  # root may use bypassPermissions only inside a declared sandbox
                "DISABLE_TELEMETRY": "1", "DISABLE_ERROR_REPORTING": "1", "DISABLE_AUTOUPDATER": "1",
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"}


class Codex(Host):
    MODEL = "gpt-5.5"  # a model Codex knows: its metadata offers the apply_patch tool

    def write(self, ws: Workspace, target: Path, content: str) -> Turn:
        rel = os.path.relpath(target, ws.root)
        name = rel if not rel.startswith("..") else str(target)
        body = "".join(f"+{line}\n" for line in content.splitlines())
        return call("apply_patch", input=f"*** Begin Patch\n*** Add File: {name}\n{body}*** End Patch\n")

    def argv(self, exe: Path, ws: Workspace, prompt: str, extra: Sequence[str] = ()) -> list[str]:
        # No sandbox and no approvals: DOS is the only gate (there is no bubblewrap here anyway).
        return [str(exe), "exec", "--dangerously-bypass-approvals-and-sandbox", "--color", "never",
                "-C", str(ws.root), *extra, prompt]

    def codex_home(self, ws: Workspace) -> Path:
        return ws.home / ".codex"

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        return {"CODEX_HOME": str(self.codex_home(ws)), "E2E_FAKE_OPENAI_KEY": FAKE_KEY, "NO_COLOR": "1"}

    def user_config(self, ws: Workspace, fake: FakeModel, *, trust_project: bool = True) -> None:
        home = self.codex_home(ws)
        home.mkdir(parents=True, exist_ok=True)
        path = home / "config.toml"
        begin, end = "# >>> e2e user config >>>\n", "# <<< e2e user config <<<\n"
        kept = path.read_text() if path.exists() else ""
        if begin in kept and end in kept:
            kept = kept.split(begin)[0] + kept.split(end, 1)[1]
        text = (f"model = \"{self.MODEL}\"\nmodel_provider = \"e2efake\"\n"
                f"check_for_update_on_startup = false\n\n[model_providers.e2efake]\nname = \"e2e fake model\"\n"
                f"base_url = \"{fake.openai_url}\"\nwire_api = \"responses\"\nenv_key = \"E2E_FAKE_OPENAI_KEY\"\n")
        import tomllib

        try:
            already = str(ws.root) in (tomllib.loads(kept).get("projects") or {})
        except ValueError:
            already = False
        if trust_project and not already:  # what the folder-trust prompt (or `codex exec --trust`) saves
            text += f"\n[projects.{json.dumps(str(ws.root))}]\ntrust_level = \"trusted\"\n"
        # Our block goes first (top-level keys must precede every table); what Codex appended
        # later (hooks.state from a review) is kept after it.
        path.write_text(begin + text + end + kept.strip("\n") + ("\n" if kept.strip() else ""))

    def failure_noise(self, proc: subprocess.CompletedProcess[str]) -> list[str]:
        return [ln for ln in proc.stderr.splitlines() if ln.startswith("hook:") and ln.endswith("Failed")]


class Gemini(Host):
    def write(self, ws: Workspace, target: Path, content: str) -> Turn:
        return call("write_file", file_path=str(target), content=content)

    def argv(self, exe: Path, ws: Workspace, prompt: str, extra: Sequence[str] = ()) -> list[str]:
        return [str(exe), "--yolo", *extra, "-p", prompt]  # yolo: Gemini's own approvals off, DOS is the gate

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        return {"GEMINI_API_KEY": FAKE_KEY, "GOOGLE_GEMINI_BASE_URL": fake.url, "NO_COLOR": "1"}

    def user_config(self, ws: Workspace, fake: FakeModel, *, trust_project: bool = True) -> None:
        gdir = ws.home / ".gemini"
        gdir.mkdir(parents=True, exist_ok=True)
        # With GOOGLE_GEMINI_BASE_URL set Gemini picks the "gateway" auth type, which -p rejects;
        # the API-key type still honours the base URL.
        path = gdir / "settings.json"
        settings = json.loads(path.read_text()) if path.exists() else {}  # DOS's user-scope hooks may be here
        settings.setdefault("security", {})["auth"] = {"selectedType": "gemini-api-key"}
        path.write_text(json.dumps(settings, indent=2))
        if trust_project:  # what the interactive "Trust folder" answer saves
            (gdir / "trustedFolders.json").write_text(json.dumps({str(ws.root): "TRUST_FOLDER"}))

    def failure_noise(self, proc: subprocess.CompletedProcess[str]) -> list[str]:
        return [ln for ln in (proc.stdout + proc.stderr).splitlines() if "Hook(s)" in ln and "failed" in ln]


class Qwen(Host):
    """Qwen Code against the fake's Chat Completions endpoint (its ``openai`` auth type).

    Not in HOSTS: test_qwen_e2e.py drives it (the shared matrix stays Claude Code, Codex, Gemini).
    """

    MODEL = "qwen3-coder-plus"

    def write(self, ws: Workspace, target: Path, content: str) -> Turn:
        return call("write_file", file_path=str(target), content=content)

    def edit(self, target: Path, old: str, new: str) -> Turn:
        return call("edit", file_path=str(target), old_string=old, new_string=new)

    def argv(self, exe: Path, ws: Workspace, prompt: str, extra: Sequence[str] = ()) -> list[str]:
        # yolo: Qwen's own approvals off, DOS is the only gate; the prompt positional is one-shot (headless).
        return [str(exe), "--approval-mode", "yolo", "--output-format", "text", *extra, prompt]

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        return {"OPENAI_BASE_URL": fake.openai_url, "OPENAI_API_KEY": FAKE_KEY, "OPENAI_MODEL": self.MODEL,
                "NO_COLOR": "1"}

    def user_config(self, ws: Workspace, fake: FakeModel, *, trust_project: bool = True) -> None:
        qdir = ws.home / ".qwen"
        qdir.mkdir(parents=True, exist_ok=True)
        path = qdir / "settings.json"
        settings = json.loads(path.read_text()) if path.exists() else {}  # DOS's user-scope hooks may be here
        settings.setdefault("security", {})["auth"] = {"selectedType": "openai"}
        settings.setdefault("privacy", {})["usageStatisticsEnabled"] = False  # nothing leaves 127.0.0.1
        settings.setdefault("general", {}).update({"enableAutoUpdate": False})
        path.write_text(json.dumps(settings, indent=2))
        if trust_project:  # what the interactive "Trust folder" answer saves
            (qdir / "trustedFolders.json").write_text(json.dumps({str(ws.root): "TRUST_FOLDER"}))

    def failure_noise(self, proc: subprocess.CompletedProcess[str]) -> list[str]:
        return [ln for ln in (proc.stdout + proc.stderr).splitlines()
                if "hook" in ln.lower() and ("failed" in ln.lower() or "error" in ln.lower())]


QWEN = Qwen("qwen", "qwen", "openai-chat")


def closed_network() -> dict[str, str]:
    """Proxy and npm settings that send anything but 127.0.0.1 to the discard port (nothing listens)."""
    closed = "http://127.0.0.1:9"
    return {"npm_config_registry": closed + "/", "npm_config_offline": "true",
            "HTTP_PROXY": closed, "HTTPS_PROXY": closed, "http_proxy": closed, "https_proxy": closed,
            "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}


class OpenCode(Host):
    """OpenCode (``opencode run``) against the fake's Chat Completions endpoint, through a user-level
    provider with ``npm: "@ai-sdk/openai-compatible"`` (bundled in the binary: nothing is fetched for it).

    Not in HOSTS: test_opencode_e2e.py drives it. The environment points npm at a closed port on
    127.0.0.1 and sets it offline: OpenCode tries to ``npm install @opencode-ai/plugin`` into every
    config directory at start-up (DOS's plugin does not need it), so the tests prove it runs without
    that download, and nothing leaves this machine.
    """

    PROVIDER = "e2efake"
    MODEL = "fake-coder"

    def write(self, ws: Workspace, target: Path, content: str) -> Turn:
        return call("write", filePath=str(target), content=content)

    def edit(self, target: Path, old: str, new: str) -> Turn:
        return call("edit", filePath=str(target), oldString=old, newString=new)

    def argv(self, exe: Path, ws: Workspace, prompt: str, extra: Sequence[str] = ()) -> list[str]:
        return [str(exe), "run", *extra, prompt]  # non-interactive; permissions come from opencode.json

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        closed = "http://127.0.0.1:9"  # the discard port: nothing listens, so any download fails fast
        return {"OPENCODE_DISABLE_MODELS_FETCH": "1", "OPENCODE_DISABLE_AUTOUPDATE": "1",
                "OPENCODE_DISABLE_SHARE": "1", "NO_COLOR": "1",
                "npm_config_registry": closed + "/", "npm_config_offline": "true",
                "HTTP_PROXY": closed, "HTTPS_PROXY": closed, "NO_PROXY": "127.0.0.1,localhost"}

    def config_path(self, ws: Workspace) -> Path:
        return ws.home / ".config" / "opencode" / "opencode.json"

    def user_config(self, ws: Workspace, fake: FakeModel, *, trust_project: bool = True) -> None:
        path = self.config_path(ws)
        path.parent.mkdir(parents=True, exist_ok=True)
        config = json.loads(path.read_text()) if path.exists() else {}
        model = f"{self.PROVIDER}/{self.MODEL}"
        config.update({
            "$schema": "https://opencode.ai/config.json", "autoupdate": False, "share": "disabled",
            "model": model, "small_model": model,
            # OpenCode's own prompts off (as yolo elsewhere): DOS is the only gate.
            "permission": {"edit": "allow", "bash": "allow", "external_directory": "allow"},
        })
        config.setdefault("provider", {})[self.PROVIDER] = {
            "npm": "@ai-sdk/openai-compatible", "name": "e2e fake model",
            "options": {"baseURL": fake.openai_url, "apiKey": FAKE_KEY},
            "models": {self.MODEL: {"name": "fake coder", "tool_call": True}}}
        path.write_text(json.dumps(config, indent=2))

    def failure_noise(self, proc: subprocess.CompletedProcess[str]) -> list[str]:
        """A plugin that failed to load or crashed (a deny is the thrown ``Error: DOS: …`` line, not this)."""
        return [ln for ln in (proc.stdout + proc.stderr).splitlines()
                if "plugin" in ln.lower() and ("fail" in ln.lower() or "error" in ln.lower())]


OPENCODE = OpenCode("opencode", "opencode", "openai-chat")

class Kilo(OpenCode):
    """Kilo Code's CLI (``kilo run``), a fork of OpenCode: the same provider entry, in its own
    ``~/.config/kilo/kilo.json``, and the same plugin API.

    Not in HOSTS: test_kilo_e2e.py drives it. Kilo's own services (models list, session ingest,
    telemetry, update checks) are switched off by its variables, and anything else that tries to
    leave 127.0.0.1 meets the closed port.
    """

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        return {"KILO_DISABLE_MODELS_FETCH": "1", "KILO_DISABLE_AUTOUPDATE": "1", "KILO_DISABLE_SHARE": "1",
                "KILO_DISABLE_SESSION_INGEST": "1", "KILO_DISABLE_LSP_DOWNLOAD": "1", "KILO_TELEMETRY_DISABLED": "1",
                "NO_COLOR": "1", **closed_network()}

    def config_path(self, ws: Workspace) -> Path:
        return ws.home / ".config" / "kilo" / "kilo.json"


KILO = Kilo("kilo", "kilo", "openai-chat")

class Copilot(Host):
    """GitHub Copilot CLI (``copilot -p``) in offline BYOK mode: ``COPILOT_PROVIDER_BASE_URL`` at the
    fake's Chat Completions endpoint and ``COPILOT_OFFLINE=true`` (no GitHub login, telemetry, web
    tools or update check); a closed proxy catches anything else.

    Not in HOSTS: test_copilot_e2e.py drives it. The npm package is a launcher that unpacks the CLI
    into ``COPILOT_PKG_CACHE_HOME``; that points beside the cached install, so it unpacks once.
    """

    MODEL = "gpt-4.1"  # a model id Copilot knows (token limits, tool support); the fake ignores it

    def write(self, ws: Workspace, target: Path, content: str) -> Turn:
        return call("create", path=str(target), file_text=content)

    def edit(self, target: Path, old: str, new: str) -> Turn:
        return call("edit", path=str(target), old_str=old, new_str=new)

    def argv(self, exe: Path, ws: Workspace, prompt: str, extra: Sequence[str] = ()) -> list[str]:
        # allow-all: Copilot's own tool and path prompts off (as yolo elsewhere); DOS is the only gate.
        return [str(exe), "-p", prompt, "--allow-all-tools", "--allow-all-paths", "--no-color",
                "--disable-client-telemetry", *extra]

    def exe_env(self, exe: Path) -> dict[str, str]:
        return {"COPILOT_PKG_CACHE_HOME": str(exe.parents[2] / ".copilot-pkg")}

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        return {"COPILOT_OFFLINE": "true", "COPILOT_PROVIDER_BASE_URL": fake.openai_url,
                "COPILOT_PROVIDER_TYPE": "openai", "COPILOT_PROVIDER_API_KEY": FAKE_KEY,
                "COPILOT_MODEL": self.MODEL, "COPILOT_AUTO_UPDATE": "false", "COPILOT_HOME": str(self.home(ws)),
                "NO_COLOR": "1", **closed_network()}

    def home(self, ws: Workspace) -> Path:
        return ws.home / ".copilot"

    def user_config(self, ws: Workspace, fake: FakeModel, *, trust_project: bool = True) -> None:
        path = self.home(ws) / "config.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        # Copilot rewrites this file with a // comment header; its body is plain JSON.
        text = "\n".join(ln for ln in path.read_text().splitlines() if not ln.lstrip().startswith("//")) \
            if path.exists() else ""
        config = json.loads(text) if text.strip() else {}
        if trust_project:  # what the interactive "trust this folder" answer saves
            folders = config.setdefault("trustedFolders", [])
            if str(ws.root) not in folders:
                folders.append(str(ws.root))
        path.write_text(json.dumps(config, indent=2))

    def failure_noise(self, proc: subprocess.CompletedProcess[str]) -> list[str]:
        return [ln for ln in (proc.stdout + proc.stderr).splitlines()
                if "hook" in ln.lower() and ("fail" in ln.lower() or "error" in ln.lower())]


COPILOT = Copilot("copilot", "copilot", "openai-chat")

class Droid(Host):
    """Factory's Droid (``droid exec``) against the fake's Chat Completions endpoint, as a BYOK custom
    model (``customModels`` in ``~/.factory/settings.json``, provider ``generic-chat-completion-api``):
    no Factory login. A closed proxy catches anything but 127.0.0.1.

    Not in HOSTS: test_droid_e2e.py drives it.
    """

    MODEL = "fake-coder"
    DISPLAY = "e2e-fake"

    def write(self, ws: Workspace, target: Path, content: str) -> Turn:
        return call("Create", file_path=str(target), content=content)

    def edit(self, target: Path, old: str, new: str) -> Turn:
        return call("Edit", file_path=str(target), old_str=old, new_str=new)

    def argv(self, exe: Path, ws: Workspace, prompt: str, extra: Sequence[str] = ()) -> list[str]:
        # skip-permissions-unsafe: Droid's own autonomy gate off (as yolo elsewhere); DOS is the only gate.
        return [str(exe), "exec", "--skip-permissions-unsafe", "-m", f"custom:{self.DISPLAY}-0",
                "--cwd", str(ws.root), *extra, prompt]

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        return {"NO_COLOR": "1", **closed_network()}

    def user_config(self, ws: Workspace, fake: FakeModel, *, trust_project: bool = True) -> None:
        path = ws.home / ".factory" / "settings.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        settings = json.loads(path.read_text()) if path.exists() else {}
        settings["customModels"] = [{"model": self.MODEL, "displayName": self.DISPLAY, "baseUrl": fake.openai_url,
                                     "apiKey": FAKE_KEY, "provider": "generic-chat-completion-api",
                                     "maxOutputTokens": 4096}]
        path.write_text(json.dumps(settings, indent=2))

    def failure_noise(self, proc: subprocess.CompletedProcess[str]) -> list[str]:
        return [ln for ln in (proc.stdout + proc.stderr).splitlines()
                if "hook" in ln.lower() and ("fail" in ln.lower() or "error" in ln.lower())]


DROID = Droid("factory", "droid", "openai-chat")


class Cline(Host):
    """Cline's CLI (``cline --json "<prompt>"``: one-shot, tools auto-approved by default) against the
    fake's Chat Completions API, through the ``openai-compatible`` provider that ``cline auth -p
    openai-compatible -b URL`` saves in ``~/.cline/data/settings/providers.json`` (no Cline account).

    Not in HOSTS: test_cline_e2e.py drives it. DOS's plugin (``.cline/plugins/dos.js``) runs the
    portable ``dos-hook`` command, so the agent's PATH gets the pipx-like shim. Telemetry and update
    checks are switched off, and anything else that tries to leave 127.0.0.1 meets the closed port.
    """

    PROVIDER = "openai-compatible"
    MODEL = "fake-coder"

    def write(self, ws: Workspace, target: Path, content: str) -> Turn:
        return call("editor", path=str(target), new_text=content)

    def argv(self, exe: Path, ws: Workspace, prompt: str, extra: Sequence[str] = ()) -> list[str]:
        return [str(exe), "--json", "-P", self.PROVIDER, "-m", self.MODEL, *extra, prompt]

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        return {"DISABLE_TELEMETRY": "1", "CLINE_NO_AUTO_UPDATE": "1", "NO_COLOR": "1", **closed_network()}

    def user_config(self, ws: Workspace, fake: FakeModel, *, trust_project: bool = True) -> None:
        path = ws.home / ".cline" / "data" / "settings" / "providers.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        settings = {"provider": self.PROVIDER, "apiKey": FAKE_KEY, "model": self.MODEL, "baseUrl": fake.openai_url}
        path.write_text(json.dumps({"version": 1, "lastUsedProvider": self.PROVIDER, "modes": {},
                                    "providers": {self.PROVIDER: {"settings": settings, "tokenSource": "manual",
                                                                  "updatedAt": "2026-01-01T00:00:00.000Z"}}},
                                   indent=2))

    def sessions(self, exe: Path, ws: Workspace) -> list[dict[str, Any]]:
        """``cline history --json``: the sessions this HOME has run, newest first."""
        env = {"HOME": str(ws.home), "PATH": user_path(exe.parent), "LANG": "C.UTF-8", "NO_COLOR": "1",
               "DISABLE_TELEMETRY": "1", "CLINE_NO_AUTO_UPDATE": "1", **closed_network()}
        proc = subprocess.run([str(exe), "history", "--json"], cwd=ws.root, env=env, text=True, capture_output=True,
                              timeout=120, stdin=subprocess.DEVNULL)
        assert proc.returncode == 0, f"cline history --json exited {proc.returncode}: {proc.stderr[-800:]}"
        return json.loads(proc.stdout)

    def failure_noise(self, proc: subprocess.CompletedProcess[str]) -> list[str]:
        """A plugin that failed to load, or a hook command that failed (a deny is a skipped call, not this)."""
        return [ln for ln in (proc.stdout + proc.stderr).splitlines()
                if ("plugin" in ln.lower() or "hook command" in ln.lower())
                and ("fail" in ln.lower() or "error" in ln.lower())]


CLINE = Cline("cline", "cline", "openai-chat")


class Hermes(Host):
    """Nous Research's Hermes Agent (``hermes -z "<prompt>"``: one-shot) against the fake's Chat Completions
    API, as a ``custom`` provider in ``~/.hermes/config.yaml`` (no account). ``--yolo`` turns off its own
    approvals (DOS is the only gate) and ``--accept-hooks`` gives the first-use consent the user would.

    Not in HOSTS: test_hermes_e2e.py drives it. Hermes reads hooks only from the user's profile, so
    the wiring is ``dos init --hooks hermes --scope user`` into the same file.
    """

    MODEL = "fake-coder"

    def write(self, ws: Workspace, target: Path, content: str) -> Turn:
        return call("write_file", path=str(target), content=content)

    def argv(self, exe: Path, ws: Workspace, prompt: str, extra: Sequence[str] = ()) -> list[str]:
        return [str(exe), "-z", prompt, "--yolo", "--accept-hooks", *extra]

    def env(self, ws: Workspace, fake: FakeModel) -> dict[str, str]:
        return {"NO_COLOR": "1", "OPENAI_API_KEY": FAKE_KEY, **closed_network()}

    def user_config(self, ws: Workspace, fake: FakeModel, *, trust_project: bool = True) -> None:
        path = ws.home / ".hermes" / "config.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        rest = path.read_text() if path.exists() else ""  # DOS's hooks block, when wired first
        path.write_text(f"model:\n  provider: custom\n  base_url: {fake.openai_url}\n  default: {self.MODEL}\n"
                        f"  api_key: {FAKE_KEY}\n" + rest)

    def failure_noise(self, proc: subprocess.CompletedProcess[str]) -> list[str]:
        return [ln for ln in (proc.stdout + proc.stderr).splitlines()
                if "hook" in ln.lower() and ("fail" in ln.lower() or "error" in ln.lower())]


HERMES = Hermes("hermes", "hermes", "openai-chat")

HOSTS: dict[str, Host] = {
    "claude-code": ClaudeCode("claude-code", "claude", "anthropic"),
    "codex": Codex("codex", "codex", "openai"),
    "gemini": Gemini("gemini", "gemini", "gemini"),
}


# --------------------------------------------------------------------------- one run


@dataclass
class Run:
    host: Host
    ws: Workspace
    argv: list[str]
    proc: subprocess.CompletedProcess[str]
    fake: FakeModel
    seconds: float
    notes: list[str] = field(default_factory=list)

    def results(self) -> list[dict[str, Any]]:
        """Every tool result the CLI reported back to the model."""
        return self.fake.tool_results(self.host.api)

    def result_for(self, needle: str) -> dict[str, Any] | None:
        return next((r for r in self.results() if needle in r["text"]), None)

    def report(self) -> str:
        """Everything needed to see why an assertion failed."""
        res = "\n".join(f"  - {'ERROR ' if r['error'] else ''}{r['text'][:400]!r}" for r in self.results())
        return (f"\n$ {' '.join(self.argv)}\n(exit {self.proc.returncode}, {self.seconds:.1f}s)\n"
                f"--- requests\n{self.fake.transcript()}\n--- tool results the model saw\n{res or '  (none)'}\n"
                f"--- stdout (tail)\n{self.proc.stdout[-2500:]}\n--- stderr (tail)\n{self.proc.stderr[-2500:]}")


TIMINGS: list[tuple[str, str, float]] = []  # (test, host, seconds) of every CLI run, for FINDINGS


def run_host(host: Host, exe: Path, ws: Workspace, script: Sequence[Turn], *, guard: bool = False,
             trust_project: bool = True, extra_args: Sequence[str] = (), prompt: str = "Do the task.",
             before: Any = None, dos_hook_on_path: bool = True, cwd: Path | None = None) -> Run:
    """Run HOST's CLI once in WS against a fake model playing SCRIPT; PATH never holds the venv.

    DOS_HOOK_ON_PATH puts the pipx-like shim (only ``dos-hook``) on the agent's PATH, as a user
    who installed DOS with pipx has; CWD (default the workspace root) is where the CLI starts.
    """
    fake = FakeModel(list(script)).start()
    try:
        host.user_config(ws, fake, trust_project=trust_project)
        if before is not None:
            before(fake)
        argv = host.argv(exe, ws, prompt, extra_args)
        if guard:
            argv = [str(DOS), "guard", "--", *argv]
        tmp = ws.home / "tmp"  # the CLIs' scratch files (Gemini's error reports, dos guard's settings file)
        tmp.mkdir(exist_ok=True)
        front = [exe.parent, *([ws.shim] if dos_hook_on_path and ws.shim else [])]
        env = {"HOME": str(ws.home), "PATH": user_path(*front), "LANG": "C.UTF-8", "TERM": "dumb",
               "TMPDIR": str(tmp), "USER": os.environ.get("USER", "root"),
               "DISPATCH_HOME": str(ws.home / ".dos-home"), **host.env(ws, fake), **host.exe_env(exe)}
        assert str(VENV_BIN) not in env["PATH"].split(os.pathsep), env["PATH"]
        assert shutil.which("python", path=env["PATH"]) != str(VENV_BIN / "python"), env["PATH"]
        found = shutil.which("dos-hook", path=env["PATH"])
        assert found == (str(ws.shim / "dos-hook") if dos_hook_on_path and ws.shim else None), env["PATH"]
        t0 = time.monotonic()
        try:
            proc = subprocess.run(argv, cwd=cwd or ws.root, env=env, stdin=subprocess.DEVNULL, text=True,
                                  capture_output=True, timeout=CLI_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode() if isinstance(exc.stdout, bytes) else (exc.stdout or "")
            err = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
            proc = subprocess.CompletedProcess(argv, -9, out, err + f"\n[e2e] timed out after {CLI_TIMEOUT}s")
        seconds = time.monotonic() - t0
        TIMINGS.append((os.environ.get("PYTEST_CURRENT_TEST", "?").split(" ")[0], host.name, seconds))
        return Run(host, ws, argv, proc, fake, seconds)
    finally:
        fake.stop()
        stop_strays(ws.home)


def stop_strays(home: Path) -> list[int]:
    """SIGKILL every process still running with HOME=HOME: what the agent left behind when it
    exited (Cline's hub daemon detaches and would outlive the suite). Their pids."""
    import signal

    mark = b"HOME=" + os.fsencode(str(home))
    killed = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as fh:
                env = fh.read().split(b"\0")
        except OSError:
            continue
        if mark in env:
            try:
                os.kill(int(entry), signal.SIGKILL)
                killed.append(int(entry))
            except OSError:
                pass
    return killed


def host_user_env(ws: Workspace, host: Host, exe: Path | None = None) -> dict[str, str]:
    """What ``dos`` needs to see of the agent's user: its HOME (and CODEX_HOME), and where ``codex`` is."""
    env = {"HOME": str(ws.home), "DISPATCH_HOME": str(ws.home / ".dos-home")}
    if isinstance(host, Codex):
        env["CODEX_HOME"] = str(host.codex_home(ws))
        host.codex_home(ws).mkdir(parents=True, exist_ok=True)
        if exe is not None:
            env["DOS_CODEX_BIN"] = str(exe)
    return env


def wire(ws: Workspace, host: Host, exe: Path | None = None, *, activated: bool = False, scope: str = "project",
         extra: Sequence[str] = ()) -> str:
    """``dos init --hooks HOST``: the product's own installer, nothing hand-written.

    EXE lets it find ``codex`` (for the trust and review it does through ``codex app-server``).
    """
    args = ["init", "--hooks", host.name, *(["--scope", "user"] if scope == "user" else []), *extra]
    return dos(ws.root, *args, activated=activated, env=host_user_env(ws, host, exe)).stdout


# --------------------------------------------------------------------------- what the new hosts' tests share


def assert_denied_naming(run: Run, holder: str = HOLDER) -> None:
    """The model was told DOS's reason naming HOLDER, the host did not report a failed hook, and it ended normally."""
    told = run.result_for(holder)
    assert told is not None and "DOS" in told["text"], \
        f"the model was never told DOS's deny reason naming {holder!r}{run.report()}"
    noise = run.host.failure_noise(run.proc)
    assert not noise, f"the deny surfaced as a failed hook, not a refused call: {noise}{run.report()}"
    assert run.proc.returncode == 0, f"{run.host.exe} did not end normally after the deny{run.report()}"


def assert_told_outside(run: Run) -> None:
    told = run.result_for("outside the workspace")
    assert told is not None and "DOS" in told["text"], \
        f"the model was not told by DOS that the path is outside the workspace{run.report()}"


def json_field(run: Run, key: str) -> str:
    """The first non-empty string KEY in the CLI's JSON output lines (a session id, say)."""
    for line in run.proc.stdout.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict) and isinstance(event.get(key), str) and event[key]:
            return event[key]
    raise AssertionError(f"no {key!r} in the CLI's JSON output{run.report()}")


REFUSED = "git has no commit backing it"  # the stop hook's reason while a claim does not verify


def claim_then_commit(ws: Workspace, seen: dict[str, Any], session: str | Callable[[], str],
                      observe: Callable[[str], None] | None = None) -> Turn:
    """The stop-gate script: an answer to anything but DOS's refusal claims AUTH AUTH1 for SESSION (its id, or
    how to find it once the model is first asked) and says the phase shipped; each refusal is counted in
    ``seen["refused"]``, the first one commits the phase, and the model says it verifies now. OBSERVE sees
    every text the model is sent (what a test records beyond that)."""

    def turn(text: str) -> Turn:
        if observe is not None:
            observe(text)
        if REFUSED not in text:
            seen["session"] = sid = session if isinstance(session, str) else session()
            dos(ws.root, "claim", "AUTH", "AUTH1", "--session", sid)
            return say("AUTH1 is shipped.")
        seen["refused"] = seen.get("refused", 0) + 1
        if not seen.get("committed"):
            git(ws.root, "commit", "-q", "--allow-empty", "-m", "AUTH1: ship the login")
            seen["committed"] = True
        return say("Committed AUTH1; it verifies now.")

    return dynamic(turn)


# --------------------------------------------------------------------------- what Codex says about its hooks


def codex_list_hooks(exe: Path, ws: Workspace, host: Codex, args: Sequence[str] = ()) -> list[dict[str, Any]]:
    """Every hook Codex lists for WS (``hooks/list`` over ``codex app-server``), read-only.

    Written by hand on purpose (not DOS's client): the test asks Codex itself what it will run.
    """
    env = {"HOME": str(ws.home), "PATH": user_path(exe.parent), "CODEX_HOME": str(host.codex_home(ws)),
           "LANG": "C.UTF-8"}
    proc = subprocess.Popen([str(exe), *args, "app-server"], cwd=ws.root, env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None
    ids = iter(range(1, 1000))

    def request(method: str, params: dict[str, Any]) -> Any:
        rid = next(ids)
        proc.stdin.write(json.dumps({"jsonrpc": "2.0", "id": rid, "method": method, "params": params}) + "\n")
        proc.stdin.flush()
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = proc.stdout.readline()
            if not line:
                raise AssertionError(f"codex app-server closed: {proc.stderr.read() if proc.stderr else ''}")
            msg = json.loads(line)
            if msg.get("id") == rid and ("result" in msg or "error" in msg):
                if "error" in msg:
                    raise AssertionError(f"codex app-server {method}: {msg['error']}")
                return msg["result"]
        raise AssertionError(f"codex app-server did not answer {method}")

    try:
        request("initialize", {"clientInfo": {"name": "dos-e2e", "version": "0"}})
        proc.stdin.write(json.dumps({"jsonrpc": "2.0", "method": "initialized"}) + "\n")
        proc.stdin.flush()
        listed = request("hooks/list", {"cwds": [str(ws.root)]})
        return [h for entry in listed["data"] for h in entry["hooks"]]
    finally:
        proc.stdin.close()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


__all__ = ["CLINE", "REFUSED", "claim_then_commit", "git", "COPILOT", "DOS", "DROID", "HOLDER", "HOSTS", "KILO", "OPENCODE", "QWEN", "assert_denied_naming",
           "assert_told_outside", "closed_network", "json_field", "Host", "OpenCode", "Qwen", "Run", "TIMINGS", "Workspace", "call", "codex_list_hooks", "dos",
           "dynamic", "host_user_env", "make_workspace", "run_host", "say", "user_path", "wire"]
