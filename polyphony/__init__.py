"""Polyphony's core: settings, database, errors, jobs, models, storage. Imports no edge, no chain code."""
