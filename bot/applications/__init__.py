"""Legal-aid applications: intake in the chat, documents, the decision clock and staff review."""
