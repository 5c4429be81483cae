"""The five API dialects, each an adapter over the same core."""
