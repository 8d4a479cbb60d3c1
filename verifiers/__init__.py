"""Pure domain logic for Qingwang: identifiers, document reading, rules and decisions.

Nothing here imports Flask or the gateway; I/O reaches this package through small
interfaces passed in by the callers in ``gateway/`` and ``workers/``.
"""
