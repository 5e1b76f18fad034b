"""Checks anyone can run without trusting the API: provenance and scores (epochs: governance.rewards.verify)."""
