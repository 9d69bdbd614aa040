"""The service layer: gathers evidence (store, git, files), asks the kernel, records the verdict.

Every surface (the CLI, the hooks, the MCP server, the screens) calls these modules and
only parses, calls and renders. A call takes a ``Context`` (the workspace, its config,
the clock and, on first use, the store); the hooks' lean decisions take compiled settings.
"""
