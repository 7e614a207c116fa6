"""Consultations: the record of each citizen's conversation (002 §6.2 d, f)."""
