"""A fuzz harness for every reader of files that other people make (see harness.py)."""
