"""Line items of a job: inspections, estimates, supplementals, change orders."""
