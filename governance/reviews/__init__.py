"""Sampled peer review: which documents are reviewed and by whom, their outcome, and what it does to rewards."""
