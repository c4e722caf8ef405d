"""User-facing errors: one line that says what was wrong and how to fix it."""


class CyclekitError(Exception):
    """Base class for errors the CLI prints as a single line (no traceback)."""


class ConfigError(CyclekitError):
    """A configuration key or value is invalid."""


class DataError(CyclekitError):
    """A dataset file is missing, corrupt, or of the wrong shape."""


class CheckpointError(CyclekitError):
    """A checkpoint is missing, corrupt, or belongs to another configuration."""


class RunStopped(CyclekitError):
    """Training was stopped by a signal after writing a clean checkpoint."""


class CyclekitWarning(UserWarning):
    """A warning the CLI prints as a single line: something works, but not as asked for."""


class OutputPathError(CyclekitError):
    """An output path cannot be written: a file where a folder is expected (or the reverse),
    below a file, not writable, or too long for the file system."""


class RunKindError(CyclekitError):
    """A command was given a run of a method it cannot use (e.g. ``translate`` an adaptation run)."""
