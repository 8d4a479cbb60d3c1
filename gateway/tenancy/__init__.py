"""Platforms (the tenants), their API keys, and staff users."""
