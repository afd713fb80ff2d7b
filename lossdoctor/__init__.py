"""lossdoctor: reads a training history and says what is going on and what to do.

    >>> from lossdoctor import load_history, diagnose
    >>> d = diagnose(load_history("history.json"))
    >>> d.code, d.title
"""

from .diagnose import Diagnosis, diagnose
from .errors import HistoryFormatError, InputFileError, LossDoctorError, MissingSeriesError
from .history import History, Series
from .readers import load_history
from .trend import Trend, fit_trend

__version__ = "0.1.0"

__all__ = ["Diagnosis", "History", "HistoryFormatError", "InputFileError", "LossDoctorError",
           "MissingSeriesError", "Series", "Trend", "diagnose", "fit_trend", "load_history",
           "__version__"]
