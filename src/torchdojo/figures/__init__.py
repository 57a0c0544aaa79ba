"""Figures, apart from the loop: plots, decision boundaries, and the HTML run report."""
