"""The PIPL Art. 22 notification list: who must be told that their personal information transfers to the buyer.

`readback` reads the values of a subject's findings again from the files they were found in (where they were
found: `scanner.store.finding_sources`), in memory only; `contacts` normalises and de-duplicates them per person,
`template` renders the notice text, `rows` puts one row per person together, and `csv_out` / `xlsx_out` turn the
rows into bytes for the encrypted package. Nothing here writes a plain value to disk.
"""
