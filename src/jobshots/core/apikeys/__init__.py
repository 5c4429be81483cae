"""Apikeys of the core domain."""
