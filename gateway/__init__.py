"""Qingwang 清网 gateway: the web service, its persistence, storage and queue adapters, and the CLI."""
