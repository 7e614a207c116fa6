"""The records' pure rules: outcomes, quality checks, figures. No I/O, no clock."""
