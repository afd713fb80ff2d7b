"""Text from a log made safe to show: no control characters reach a terminal, no markup a Markdown file.

A key name, a CSV header cell or a file name is data. Written raw, an escape sequence in it could
set a terminal's title, clear the screen or hide text, a newline could forge a second `Error:`
line, and Markdown syntax could inject headings, images or raw HTML into a CI summary. Every
control or invisible formatting character (C0, C1, DEL, bidirectional overrides), and every lone
surrogate (the bytes of a file name that is not valid UTF-8), is shown as its Python escape (`\\x1b`, `\\n`, `\\u202e`) instead; Markdown gets its special characters escaped.
"""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


def printable(text: str) -> str:
    """`text` with every control or invisible formatting character shown as its escape."""
    if not isinstance(text, str):
        text = str(text)
    if _UNSAFE.search(text) is None and all(unicodedata.category(c) != "Cf" for c in text if ord(c) > 127):
        return text
    return "".join(_escape(c) for c in text)


def _escape(c: str) -> str:
    if _UNSAFE.match(c) or (ord(c) > 127 and unicodedata.category(c) == "Cf"):
        return repr(c)[1:-1] if c not in "\\'" else c
    return c


_MD = re.compile(r"([\\`<>\[\]|])")  # what can open code, HTML, links, images or table cells


def md(text: str) -> str:
    """`text` for a Markdown line: printable, with the characters that could inject markup escaped."""
    return _MD.sub(r"\\\1", printable(text))


def md_code(text: str) -> str:
    """`text` as a Markdown code span that no backtick in it can close, safe in a table cell."""
    text = printable(text).replace("|", "\\|")
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
