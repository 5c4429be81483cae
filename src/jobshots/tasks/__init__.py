"""Background work: one interface, an in-process runner (SQLite) and Procrastinate (PostgreSQL)."""
