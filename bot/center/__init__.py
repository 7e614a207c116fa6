"""The center's own data (data/*.yml), read into the domain's types; a bad file stops the start."""
