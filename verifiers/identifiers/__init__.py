"""Parsers and validators for the identifiers printed on licences and certificates."""
