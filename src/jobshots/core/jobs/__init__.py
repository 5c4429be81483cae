"""Jobs of the core domain."""
