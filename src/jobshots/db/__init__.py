"""Database: engine, session factory, and the ORM models."""
