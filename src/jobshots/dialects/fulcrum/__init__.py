"""Fulcrum-compatible photos API (seed 003): /api/v2/photos."""
