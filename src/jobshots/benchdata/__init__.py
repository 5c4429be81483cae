"""`jobshots bench-data`: a PostgreSQL database filled at scale for the latency bench."""
