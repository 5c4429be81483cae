"""SLA: when a job must be responded to and completed, on its priority's clocks, and where it
stands against them."""
