"""Public job reports: a read-only page behind an unguessable, revocable link."""
