"""Contributions: what a contributor uploads, the formats and licenses it is checked against, and its life."""
