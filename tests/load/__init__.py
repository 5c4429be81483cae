"""Load: locust against a real server, with its latencies reported and its memory watched."""
