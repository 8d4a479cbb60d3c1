"""The rules behind every decision: one named function per reason code.

Rules are plain functions over plain data (claims, document facts, registry records)
and return :class:`~verifiers.rules.model.Reason` objects; they never touch a database
or the web. The gateway gathers the inputs, calls them, and records what they said.
"""
