"""Chat messages on a job, and the job's timeline: its messages and photos together."""
