"""Scores: recording what the scoring workers decided, and showing it to contributors and auditors."""
