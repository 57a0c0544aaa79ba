"""The hidden checks: for each exercise, its random cases, hints and lesson pointer."""
