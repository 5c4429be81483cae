"""Photos of the core domain."""
