"""Where each agent host keeps its hooks, which are wired, and whether they really run: the public face.

Everything about the hosts' files and the commands DOS writes is ``dos.service.wiring_base``
(re-exported here); ``hook_health`` runs the wired hooks as their hosts would
(``dos.service.wiring_probe``) for ``dos doctor``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

from dos.service.wiring_base import (FENCE_CLOSE, FENCE_OPEN, HOST_ENV, HOST_MARKERS, NOT_ON_PATH,  # noqa: F401
                                     RUNNER, SCOPES, SPECS, Entry, HostSpec, absolute_command, codex_home, codex_key,
                                     command_for_scope, config_file, dos_entries, dos_verb, gemini_dir, home,
                                     installed_command, is_dos_command, is_portable, portable_command, read_entries,
                                     read_files, remove_fenced, toml_events, user_file, wired_hosts)


def hook_health(root: Path, env: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """host -> {scope, path, events, command, runs, trusted, problem, fix, missing, detail} for every wired host.

    Each wired file's pretool command is run as its host would run it (``sh -c``, a PATH with
    nothing from a virtualenv, the host's variables, cwd a workspace and a subdirectory) on a
    write into a lane another session holds, and its other commands on a harmless event; the
    host's trust state is read (Codex through ``codex app-server`` when it is found, else from
    ``$CODEX_HOME/config.toml``; Gemini's folder trust). ``runs`` is False when a hook would not
    fire or would not deny; ``problem`` and ``fix`` say why and what to do. A host wired in both
    scopes has scope ``project+user`` and the first problem found. Never raises.
    """
    from dos.service.wiring_probe import health

    return health(Path(root), env)
