"""Console accounts and sessions, shared by every edge that needs to know who is logged in."""
