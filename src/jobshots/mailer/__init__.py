"""Mail transports: how the core's messages leave the server (SMTP)."""
