"""CRM job-photos API (seed 000): /api/v1/jobs/{job_uuid}/photos."""
