"""Legal-aid consultation service on WeChat."""
