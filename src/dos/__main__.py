"""``python -m dos`` runs the CLI."""

from dos.cli import run

run()
