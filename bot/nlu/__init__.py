"""Natural-language understanding: turning a citizen's free-text message into intents and entities."""
