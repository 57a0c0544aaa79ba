"""Exercises a learner writes and `dojo check` grades: catalog, stubs, hidden checks, sandbox,
progress store and the teacher's gradebook. Reference solutions live in `solutions/`."""
