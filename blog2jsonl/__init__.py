"""blog2jsonl."""
