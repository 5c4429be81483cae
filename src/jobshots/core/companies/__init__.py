"""Companies of the core domain."""
