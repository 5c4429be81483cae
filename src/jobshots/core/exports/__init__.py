"""A job exported whole: its photos' originals and a manifest of them."""
