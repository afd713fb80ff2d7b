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


class RuleError(LossDoctorError, ValueError):
    """A rule of the user's own could not be registered or loaded."""


# exit codes of the command line (documented in README.md)
EXIT_OK, EXIT_FAIL_ON, EXIT_INPUT, EXIT_INTERNAL = 0, 1, 2, 3


def error_outcome(err: BaseException) -> tuple[int, str]:
    """(exit code, message) for an exception met while reading or diagnosing one run."""
    from .i18n import t  # noqa: PLC0415
    if isinstance(err, LossDoctorError):
        return EXIT_INPUT, str(err)
    if isinstance(err, MemoryError):
        return EXIT_INPUT, t("ran out of memory reading it; keep only the run you want diagnosed")
    if isinstance(err, OSError):  # the environment, not lossdoctor: a full disk, a closed pipe, a name too long
        what = err.strerror or str(err)
        return EXIT_INPUT, t("could not read or write ({what}); check the disk, the file names and the output streams",
                             what=what)
    return EXIT_INTERNAL, t("internal error ({error}); please report it with the file", error=f"{type(err).__name__}: {err}")
