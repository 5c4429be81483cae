"""Property-maintenance jobs API (seed 004, PropOps): /api/jobs, /api/auth, /api/security."""
