"""The exception hierarchy: every error lossdoctor raises on purpose is a `LossDoctorError`.

Each message names what was found and what to do, so the CLI can print it as one line.
"""


class LossDoctorError(Exception):
    """Base class of all lossdoctor errors."""


class HistoryFormatError(LossDoctorError, ValueError):
    """The file could not be read as a training history."""


class MissingSeriesError(LossDoctorError, KeyError):
    """The history has no series under the requested key."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0]) if self.args else ""


class InputFileError(LossDoctorError, OSError):
    """The input path is missing, unreadable, a directory, or too large."""
