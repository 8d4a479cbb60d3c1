"""Violations (违法违规行为) and the evidence frozen when they were found (design §7,
GSP-NET Arts 39(5), 41, 42, 45, 46)."""
