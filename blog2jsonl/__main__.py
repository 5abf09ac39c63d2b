"""``python -m blog2jsonl`` runs the command line."""

from .cli import run

run()
