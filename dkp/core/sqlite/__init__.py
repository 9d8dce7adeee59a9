"""EQ DKP's SQLite database backend: Django's, with writers of one process queued in order (base.py)."""
