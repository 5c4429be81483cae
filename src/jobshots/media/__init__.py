"""Media: recognising, describing and rendering photos and videos."""
