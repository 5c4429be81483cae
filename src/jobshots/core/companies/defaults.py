"""The reference data a new company starts with (UK property maintenance); each company can
change its own."""

from __future__ import annotations

from datetime import time

STATUSES = [
    # (code, name, stage, pauses_sla): time waiting on the tenant or a supplier is not ours.
    ("open", "Open", "new", False),
    ("awaiting_approval", "Awaiting approval", "new", False),
    ("assigned", "Assigned", "assigned", False),
    ("in_progress", "In Progress", "in_progress", False),
    ("awaiting_access", "Awaiting access", "in_progress", True),
    ("parts_on_order", "Parts on order", "in_progress", True),
    ("completed", "Completed", "complete", False),
    ("closed", "Closed", "closed", False),
    ("cancelled", "Cancelled", "closed", False),
    ("archived", "Archived", "archived", False),
]
# (name, respond within, complete within; in calendar hours): the common UK repair categories.
PRIORITIES = [
    ("Emergency", 2, 24),
    ("Urgent", 24, 72),
    ("High", 48, 168),
    ("Normal", 72, 504),
    ("Low", 168, 672),
]
TYPES = [
    "General maintenance",
    "Plumbing",
    "Electrical",
    "Gas & Heating",
    "Roofing",
    "Damp and mould",
    "Carpentry",
    "Decorating",
]
PAYMENT_STATUSES = ["Awaiting invoice", "Invoiced", "Payment received", "Payment complete"]
TIME_RANGES = [
    ("Morning (8am-12pm)", time(8), time(12)),
    ("Afternoon (12pm-5pm)", time(12), time(17)),
    ("All day (8am-5pm)", time(8), time(17)),
]
DOCUMENT_TYPES = [
    "Invoice",
    "Quote",
    "Gas Safety Certificate",
    "Electrical Installation Condition Report",
    "Risk assessment",
    "Report",
    "Other",
]
