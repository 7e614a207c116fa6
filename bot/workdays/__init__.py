"""Working days, service hours and the duty roster: what decides an online or a message handoff."""
