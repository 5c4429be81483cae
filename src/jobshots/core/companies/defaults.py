"""The reference data a new company starts with; each company can change its own."""

from __future__ import annotations

from datetime import time

STATUSES = [
    # (code, name, is_closed, requires_approval)
    ("new", "New", False, False),
    ("awaiting_approval", "Awaiting approval", False, True),
    ("scheduled", "Scheduled", False, False),
    ("in_progress", "In progress", False, False),
    ("completed", "Completed", True, False),
    ("cancelled", "Cancelled", True, False),
]
PRIORITIES = [("Emergency", 4), ("Urgent", 24), ("High", 72), ("Normal", 168), ("Low", None)]
TYPES = ["General maintenance", "Plumbing", "Electrical", "Heating", "Roofing", "Damp and mould"]
PAYMENT_STATUSES = ["Not invoiced", "Invoiced", "Paid", "Disputed"]
TIME_RANGES = [
    ("Morning (8am-12pm)", time(8), time(12)),
    ("Afternoon (12pm-5pm)", time(12), time(17)),
    ("All day (8am-5pm)", time(8), time(17)),
]
DOCUMENT_CATEGORIES = ["Invoice", "Quote", "Certificate", "Report", "Other"]
