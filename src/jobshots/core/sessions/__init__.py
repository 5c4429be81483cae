"""Browser sessions of the web app: sign-in, the attempt limit, expiry, sign-out."""
