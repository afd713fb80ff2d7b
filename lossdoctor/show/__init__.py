"""Stage 5, show: a `Diagnosis` rendered for people: text, Markdown and JSON (`render`), the
annotated figure (`plot`, matplotlib imported only when a figure is drawn), the notebook panel
(`html`) and the self-contained sweep page (`page`, with its `assets/`). Renderers call `words`
for every sentence and never phrase one themselves.

May import: `core`, `read`, `analyse`, `words`, `judge`.
"""
