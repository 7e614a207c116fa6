"""Guided flows: multi-turn conversations whose state lives in ConversationState."""
