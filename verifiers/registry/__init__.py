"""Regulator filing data as plain records: validation and the file formats it comes in."""
