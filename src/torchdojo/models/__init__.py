"""nn.Modules only: no data loading, no training code."""
