"""Human handoff: the consultants' queue, reply deadlines and guaranteed delivery."""
