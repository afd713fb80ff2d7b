"""Stage 4, judge: from the facts to a verdict, and the verdict in words.

`codes` is the table of what each outcome is (name, colour, severity, whether a callback stops
on it); `rules` is the decision as data (precedence rules, the trend table, rules of your own);
`diagnosis` holds `decide` (the code alone, the short path) and `diagnose` (the `Diagnosis`,
its words written by `words`).

May import: `core`, `read`, `analyse`, `words`. The notebook panel, a renderer, is found by
name when a notebook asks for it, not imported.
"""
