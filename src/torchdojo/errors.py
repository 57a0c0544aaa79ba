"""The one exception type for user errors: the CLI turns it into one line and exit code 2."""


class DojoError(Exception):
    """A problem the user can fix (bad input, missing data, unavailable device); not a bug."""
