"""Amendments: proposed changes to a job's fields, decided by a manager."""
