"""Storage backends: a local directory or any S3-compatible store."""
