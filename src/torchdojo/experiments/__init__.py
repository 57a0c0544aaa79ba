"""One module per trainable experiment: a Config dataclass, QUICK overrides, run(config, ctx)."""
