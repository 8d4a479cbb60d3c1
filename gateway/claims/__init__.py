"""Versioned banned-claim phrase lists (the regulators' "dynamic keywords").

Staff import a new list with ``qingwang claims import FILE``; every import is a new
version, the latest is the one in force, and the shipped list is version 1. Listing
decisions screen with the version in force and record its number in ``looked_at``.
"""
