"""Listings (商品): product pages checked against the registry and the rules."""

OUTCOMES = ("allow", "block", "review")
