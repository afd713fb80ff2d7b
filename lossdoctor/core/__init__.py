"""The base every stage stands on: errors and exit codes, the message catalogue (`t`, `tr`,
`language`), escaping of text from logs (`safe`), all-or-nothing file writes (`atomic`) and time
limits (`deadline`).

May import: nothing of lossdoctor outside `core`.
"""
