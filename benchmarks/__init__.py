"""Speed measurements: printed, plotted, never asserted (`make bench`)."""
