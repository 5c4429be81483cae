"""Jobshots: self-hostable job-site photo documentation server."""

__version__ = "0.1.0"
