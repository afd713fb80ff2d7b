"""Stage 1, read: a file (or a tracked run) in, a `History` out.

`history` is the data model (a series per key, on an epoch or step axis); `formats` is the
registry of readers and `load_history`; one module per log format (`console`, `csvlog`,
`jsonlog`, `printed`, `tensorboard`, `wandbfile`, `mlflow`, `optunastudy`), sharing `sniff`,
`records` and `_numbers`; `names` and `keys` say which series is the training and which the
validation loss; `discover` walks folders and globs.

May import: `core`.
"""
