"""The training engine: one loop, run folders, plots, reports, devices."""
