"""Decisions: what was decided about a merchant or listing, why, and on what evidence."""
