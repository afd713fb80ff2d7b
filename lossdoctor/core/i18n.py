"""The language of every sentence lossdoctor writes: the standard gettext machinery, one catalogue
per language (`lossdoctor/locale/<lang>/LC_MESSAGES/lossdoctor.mo`, compiled from the `.po` with
Babel by `python scripts/catalog.py`), named placeholders filled after the lookup.

The language is chosen, first match wins: the caller's `lang` (`--lang`, `LossDoctor(lang=...)`,
`diagnose(..., lang=...)`), then `LOSSDOCTOR_LANG`, then the locale (`LC_ALL`, `LC_MESSAGES`,
`LANG` starting with `zh`), else English. Numbers, codes, keys and API names are never translated.
"""

from __future__ import annotations

import contextlib
import os
from contextvars import ContextVar

DOMAIN = "lossdoctor"
LANGUAGES = ("en", "zh")
LOCALE_DIR = os.path.join(os.path.dirname(os.path.dirname(__file__)), "locale")

_current: ContextVar[str | None] = ContextVar("lossdoctor_lang", default=None)
_catalogues: dict = {}
MISSING: set[tuple[str, str]] = set()  # (language, message) asked for but not in its catalogue (for the tests)


def N_(message: str) -> str:
    """Mark a message for the catalogue where it is defined (as data); it is translated where used."""
    return message


def normalise(lang: str | None) -> str | None:
    """'zh_CN.UTF-8' -> 'zh', 'en_US' -> 'en', 'C'/'POSIX'/unknown -> None."""
    if not lang:
        return None
    base = lang.strip().split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    return base if base in LANGUAGES else None


def from_environment() -> str:
    """The language the environment asks for: LOSSDOCTOR_LANG, else the locale, else English."""
    chosen = normalise(os.environ.get("LOSSDOCTOR_LANG"))
    if chosen:
        return chosen
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var)
        if value:  # the first one set decides, as for every POSIX program
            return normalise(value) or "en"
    return "en"


def check(lang: str | None) -> str | None:
    """A `lang` argument, checked: None, or one of LANGUAGES (a ValueError saying which exist)."""
    if lang is None:
        return None
    chosen = normalise(lang)
    if chosen is None:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return chosen


def current() -> str:
    """The language in force: the one set by `language()`, else the environment's."""
    return _current.get() or from_environment()


@contextlib.contextmanager
def language(lang: str | None):
    """Write in `lang` inside the block (None: keep the language in force, read from the environment
    once here rather than at every message)."""
    token = _current.set(check(lang) or current())
    try:
        yield
    finally:
        _current.reset(token)


def set_language(lang: str | None) -> None:
    """Write in `lang` from now on, in this context (the CLI sets it once per command)."""
    _current.set(check(lang))


class _English:
    """The messages as written (what gettext's NullTranslations does, without importing gettext on
    every run: the CLI's start-up is measured)."""

    _catalog: dict = {}

    @staticmethod
    def gettext(message: str) -> str:
        return message

    @staticmethod
    def pgettext(context: str, message: str) -> str:
        return message


def catalogue(lang: str):
    """The compiled catalogue of `lang` (a gettext translation; English and a missing file: the
    messages as written)."""
    if lang not in _catalogues:
        if lang == "en":
            _catalogues[lang] = _English()
        else:
            import gettext  # noqa: PLC0415

            _catalogues[lang] = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang], fallback=True)
    return _catalogues[lang]


def tr(message: str, /) -> str:
    """The message in the language in force (as written when the catalogue lacks it)."""
    if not message:
        return message
    return _translation(message).gettext(message)


def tp(context: str, message: str, /) -> str:
    """The message in the language in force, told apart by `context` from the same English words
    used elsewhere ('epochs' as a unit, 'epochs' as a column heading)."""
    return _translation(f"{context}\x04{message}").pgettext(context, message)


def _translation(key: str):
    """The catalogue in force, noting a message it lacks (gettext's key: `context\\x04message`)."""
    lang = current()
    cat = catalogue(lang)
    if lang != "en" and key not in getattr(cat, "_catalog", {}):
        MISSING.add((lang, key.replace("\x04", "|")))
    return cat


def t(message: str, /, **values) -> str:
    """The message in the language in force, its `{named}` placeholders filled from `values`."""
    text = tr(message)
    return text.format(**values) if values else text
