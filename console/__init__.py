"""The consultant console: login, the queue in the browser, live updates."""
