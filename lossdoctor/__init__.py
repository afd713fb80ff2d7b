"""lossdoctor: reads a training history and says what is going on and what to do.

    >>> from lossdoctor import load_history, diagnose
    >>> d = diagnose(load_history("history.json"))
    >>> d.code, d.title
"""

from .judge.diagnosis import Decision, Diagnosis, decide, diagnose
from .core.errors import HistoryFormatError, InputFileError, LossDoctorError, MissingSeriesError
from .read.history import History, Series
from .read.formats import load_history
from .analyse.trend import Trend, fit_trend

__version__ = "0.1.0"



def __getattr__(name):  # the batch machinery (process pools) and the reports only when asked for
    if name == "diagnose_many":
        from .run.batch import diagnose_many  # noqa: PLC0415

        return diagnose_many
    if name in ("report", "Report", "Options"):
        from .run import options, reports  # noqa: PLC0415

        return getattr(options if name == "Options" else reports, name)
    raise AttributeError(f"module 'lossdoctor' has no attribute {name!r}")


__all__ = ["Decision", "Diagnosis", "History", "HistoryFormatError", "InputFileError", "LossDoctorError",
           "MissingSeriesError", "Options", "Report", "Series", "Trend", "decide", "diagnose", "diagnose_many",
           "fit_trend", "load_history", "report", "__version__"]
