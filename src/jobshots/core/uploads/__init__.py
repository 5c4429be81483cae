"""Resumable uploads: files arriving in pieces over many requests."""
