"""Workspace discovery and ``dos.toml`` read into typed, frozen config.

``schema`` declares every table and key, ``loader`` validates a file against it, and
``workspace`` finds the root. This package re-exports what the rest of DOS uses.
"""

from dos.config.loader import CONFIG_NAME, load_config, parse_config, unused_keys
from dos.config.schema import (Config, CooldownConfig, HooksConfig, LanesConfig, PathsConfig, ReasonConfig,
                               ReasonsConfig, StampConfig, StoreConfig, SuperviseConfig)
from dos.config.workspace import STATE_DIR, Workspace, ensure_state_dir, find_workspace

__all__ = ["CONFIG_NAME", "STATE_DIR", "Config", "CooldownConfig", "HooksConfig", "LanesConfig", "PathsConfig",
           "ReasonConfig", "ReasonsConfig", "StampConfig", "StoreConfig", "SuperviseConfig", "Workspace",
           "ensure_state_dir", "find_workspace", "load_config", "parse_config", "unused_keys"]
