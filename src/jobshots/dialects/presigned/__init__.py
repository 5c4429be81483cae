"""Presigned direct-upload photos API (seed 002): /light/photos/."""
