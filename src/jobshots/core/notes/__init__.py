"""Case notes on a job: written by people, by API or by e-mail reply."""
