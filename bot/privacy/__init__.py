"""Privacy: aliases for logs and the console, encryption at rest, audit."""
