"""Backups of a running server (database snapshot, then media) and restores into empty ones."""
