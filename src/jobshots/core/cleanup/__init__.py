"""Files left behind by a crash: stored objects no row owns, and stale staged uploads."""
