"""The core domain: rules and services shared by every API dialect. No HTTP here."""
