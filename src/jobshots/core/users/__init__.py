"""Users of the core domain."""
