"""``python -m dos`` runs the CLI."""

from dos.cli import main

raise SystemExit(main())
