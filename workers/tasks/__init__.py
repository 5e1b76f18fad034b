"""Celery tasks, one module per domain: each takes ids, reloads, calls a service. Nothing imports these."""
