"""The message catalogues, with Babel: extract every message into lossdoctor/locale/lossdoctor.pot,
merge it into each language's .po, compile the .po files into the .mo files the package ships.

Usage: python scripts/catalog.py [extract] [update] [compile] [check]   (no argument: all four)

Messages are the first argument of `t(...)`, `tr(...)`, `t_(...)` and `N_(...)` in the sources,
plus the data that holds sentences: the advice table (titles, summaries, fixes) and the API
vocabulary (the prose around each framework's API names). `check` exits 1 and lists what is
wrong when a message lacks a translation, is fuzzy, or has other placeholders than its msgid.
"""

from __future__ import annotations

import io
import os
import re
import sys

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, ROOT)

PACKAGE = os.path.join(ROOT, "lossdoctor")
LOCALE = os.path.join(PACKAGE, "locale")
POT = os.path.join(LOCALE, "lossdoctor.pot")
LANGUAGES = ("zh",)
KEYWORDS = {"t": None, "tr": None, "t_": None, "N_": None, "tp": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def data_messages():
    """(message, where) of the sentences kept as data."""
    from lossdoctor.words.advice import ADVICE  # noqa: PLC0415
    from lossdoctor.words.apis import API  # noqa: PLC0415

    for (code, variant), a in ADVICE.items():
        where = f"advice {code}/{variant}"
        yield a.title, where
        yield a.summary, where
        for fix in a.fixes:
            yield fix, where
    for framework, vocab in API.items():
        for name, text in vocab.items():
            if text:
                yield text, f"api {framework}.{name}"
    yield from help_messages()


def help_messages():
    """The command line's help texts (commands and options), as --help shows them."""
    import inspect  # noqa: PLC0415

    import click  # noqa: PLC0415

    from lossdoctor.cli import cli  # noqa: PLC0415

    def walk(cmd, name):
        if cmd.help:
            yield inspect.cleandoc(cmd.help), f"help {name}"
        for p in cmd.params:
            if getattr(p, "help", None):
                yield inspect.cleandoc(p.help), f"help {name} {p.name}"
        for sub, c in (cmd.commands.items() if isinstance(cmd, click.Group) else ()):
            yield from walk(c, f"{name} {sub}")
    yield from walk(cli, "lossdoctor")


def template() -> Catalog:
    """Every message of the sources and of the data, as a Babel catalogue."""
    import contextlib  # noqa: PLC0415

    cat = Catalog(project="lossdoctor", domain="lossdoctor", charset="utf-8")
    with contextlib.redirect_stderr(io.StringIO()):  # Babel notes every f-string passed as a placeholder's value
        found = list(extract_from_dir(PACKAGE, method_map=[("**.py", "python")], keywords=KEYWORDS,
                                      comment_tags=("TRANSLATORS:",)))
    for filename, lineno, message, comments, context in found:
        if isinstance(message, tuple):
            message = message[0]
        if message:
            cat.add(message, locations=[(os.path.join("lossdoctor", filename), lineno)], auto_comments=comments,
                    context=context)
    for message, where in data_messages():
        cat.add(message, locations=[(where, 0)])
    return cat


def po_path(lang: str) -> str:
    return os.path.join(LOCALE, lang, "LC_MESSAGES", "lossdoctor.po")


def read(path: str, lang: str) -> Catalog:
    with open(path, "rb") as fh:
        return read_po(fh, locale=lang, domain="lossdoctor")


def write_catalogue(cat: Catalog, path: str, **kwargs) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    buf = io.BytesIO()
    write_po(buf, cat, width=100, **kwargs)
    with open(path, "wb") as fh:
        fh.write(buf.getvalue())


def extract() -> Catalog:
    cat = template()
    write_catalogue(cat, POT, omit_header=False, sort_output=False)
    print(f"{POT}: {len(cat)} messages")
    return cat


def update(pot: Catalog) -> None:
    for lang in LANGUAGES:
        path = po_path(lang)
        cat = read(path, lang) if os.path.exists(path) else Catalog(locale=lang, domain="lossdoctor")
        cat.update(pot, no_fuzzy_matching=True)
        write_catalogue(cat, path, ignore_obsolete=True)
        print(f"{path}: {sum(bool(m.string) for m in cat if m.id)} of {len([m for m in cat if m.id])} translated")


def compile_all() -> None:
    for lang in LANGUAGES:
        cat = read(po_path(lang), lang)
        with open(os.path.join(LOCALE, lang, "LC_MESSAGES", "lossdoctor.mo"), "wb") as fh:
            write_mo(fh, cat, use_fuzzy=False)


def problems(lang: str, pot: Catalog | None = None) -> list[str]:
    """What keeps `lang`'s catalogue from being complete and right."""
    pot = pot or template()
    cat = read(po_path(lang), lang)
    out = []
    for m in pot:
        if not m.id:
            continue
        tr = cat.get(m.id, context=m.context)
        if tr is None or not tr.string:
            out.append(f"no {lang} translation: {m.id!r}")
        elif tr.fuzzy:
            out.append(f"fuzzy {lang} translation: {m.id!r}")
        elif sorted(set(PLACEHOLDER.findall(m.id))) != sorted(set(PLACEHOLDER.findall(tr.string))):
            out.append(f"placeholders differ in {lang}: {m.id!r} -> {tr.string!r}")
    return out


def main(argv: list[str]) -> int:
    steps = argv or ["extract", "update", "compile", "check"]
    pot = extract() if "extract" in steps or "update" in steps else None
    if "update" in steps:
        update(pot)
    if "compile" in steps:
        compile_all()
    if "check" in steps:
        bad = [p for lang in LANGUAGES for p in problems(lang, pot)]
        for p in bad[:50]:
            print(p)
        if bad:
            print(f"{len(bad)} problem(s)")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
