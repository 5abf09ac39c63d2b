"""``python -m blog2jsonl`` runs the command line."""

from .cli import main

main(prog_name="blog2jsonl")
