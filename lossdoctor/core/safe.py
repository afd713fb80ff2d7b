"""Text from a log made safe to show: no control characters reach a terminal, no markup a Markdown file.

A key name, a CSV header cell or a file name is data. Written raw, an escape sequence in it could
set a terminal's title, clear the screen or hide text, a newline could forge a second `Error:`
line, and Markdown syntax could inject headings, images or raw HTML into a CI summary. Every
control or invisible formatting character (C0, C1, DEL, bidirectional overrides), and every lone
surrogate (the bytes of a file name that is not valid UTF-8), is shown as its Python escape (`\\x1b`, `\\n`,
`\\u202e`) instead; Markdown gets its special characters escaped.
"""

from __future__ import annotations

import re
import unicodedata

_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff\ud800-\udfff]")


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


# what can open code, HTML, links, images, emphasis, strike-through or table cells; an underscore
# only where it can start or end emphasis (GFM does not emphasise inside a word: val_loss stays)
_MD = re.compile(r"([\\`<>\[\]|*~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")
_AUTOLINK = re.compile(r"(?i)\b(https?(?=://)|ftp(?=://)|www(?=\.))(://|\.)")


def md(text: str) -> str:
    """`text` for a Markdown line: printable, with the characters that could inject markup escaped
    (emphasis, strike-through, code, HTML, links, tables) and bare URLs kept from becoming links."""
    escaped = _MD.sub(r"\\\1", printable(text))
    return _AUTOLINK.sub(lambda m: m.group(1) + ("&#58;//" if m.group(2) == "://" else "&#46;"), escaped)


def md_code(text: str) -> str:
    """`text` as a Markdown code span that no backtick in it can close, safe in a table cell."""
    text = printable(text).replace("|", "\\|")
    fence = "`" * (max((len(m) for m in re.findall(r"`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
