"""Routes that answer outside callers directly: eligibility screening, NLU parse (edges)."""
