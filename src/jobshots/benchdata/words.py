"""The words bench rows are written in: UK repair jobs, rooms, streets and towns."""

from __future__ import annotations

ISSUES = [
    "Boiler not firing",
    "Leak under kitchen sink",
    "Damp and mould in bathroom",
    "Roof tiles slipped",
    "Broken window latch",
    "Blocked drain at rear",
    "Faulty extractor fan",
    "No hot water",
    "Cracked ceiling plaster",
    "Front door lock jammed",
    "Radiator cold at top",
    "Electrics tripping",
    "Gutter overflowing",
    "Loose stair banister",
    "Condensation on windows",
    "Toilet not flushing",
    "Fence panel down",
    "Smoke alarm chirping",
]
ROOMS = ["kitchen", "bathroom", "bedroom", "hallway", "loft", "lounge", "garden", "stairwell"]
ITEMS = ["boiler", "sink", "ceiling", "window", "radiator", "door", "gutter", "wall", "floor"]
NOTES = [
    "Tenant reports the problem is getting worse.",
    "Contractor attended, parts ordered.",
    "Access arranged via the key safe.",
    "Tenant not home, card left.",
    "Quote approved by the landlord.",
    "Works completed, photos uploaded.",
]
MESSAGES = ["On my way", "Running 20 minutes late", "Finished for today", "Need a second visit"]
STREETS = ["High Street", "Station Road", "Church Lane", "Mill Road", "Victoria Street"]
# (town, latitude, longitude, postcode area)
TOWNS = [
    ("Leeds", 53.80, -1.55, "LS"),
    ("Manchester", 53.48, -2.24, "M"),
    ("Bristol", 51.45, -2.59, "BS"),
    ("Birmingham", 52.49, -1.89, "B"),
    ("London", 51.51, -0.13, "SE"),
    ("Sheffield", 53.38, -1.47, "S"),
    ("Newcastle", 54.97, -1.61, "NE"),
    ("Nottingham", 52.95, -1.15, "NG"),
]
# In about one job in two hundred: a rare word for the full-text search to find.
RARE_WORD = "asbestos"
