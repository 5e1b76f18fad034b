"""The Celery edge: the app, its beat schedule, and one task module per domain."""
