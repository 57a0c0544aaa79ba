"""Data sets: toy data, MNIST-family images, text."""
