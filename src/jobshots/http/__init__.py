"""HTTP plumbing shared by the dialects: auth headers, multipart, routing, files."""
