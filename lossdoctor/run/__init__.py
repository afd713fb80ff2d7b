"""Stage 6, run: what a report diagnoses and writes. `options` is the one set of options every
front end passes; `batch` diagnoses many runs (in processes) and orders them; `tracked` reads
and writes back MLflow and Optuna runs; `reports` makes a report all or nothing (what
`lossdoctor report` and `lossdoctor.report()` do).

May import: every stage below (`core`, `read`, `analyse`, `words`, `judge`, `show`).
"""
