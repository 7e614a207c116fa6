"""The dialogue: decides what to say. Knows nothing of the WeChat protocol."""
