"""Signing in with a password for a Bearer token, and signing out."""
