"""Backpropagation by hand: losses, manual forward/backward passes, and a gradient checker."""
