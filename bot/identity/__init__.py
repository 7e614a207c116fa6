"""Checks on identity documents citizens type into the chat, kept apart so any layer can reuse them."""
