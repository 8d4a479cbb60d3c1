"""Keeping decisions current: re-deciding merchants and listings when the regulator data
they rest on changes (and, with the calendar, when what they hold expires)."""
