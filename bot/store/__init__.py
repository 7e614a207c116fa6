"""Storage: the only layer that talks to the database and Redis."""
