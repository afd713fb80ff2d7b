"""Stage 2, analyse: the numbers an engineer reads off the curves, with no words and no verdict.

`trend` judges the recent trend of one series (on `regime`'s change points); `signals`,
`metric` and `checkpoint` read what lies beside the losses; `facts` gathers them into the
`Facts` the rules test; `forecast`, `timeline` and `confidence` are the analyses a report adds.

May import: `core`, `read`.
"""
