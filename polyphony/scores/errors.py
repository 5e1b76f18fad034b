"""Errors of the scores service."""

from polyphony.errors import NotFound


class ScoreNotFound(NotFound):
    code = "score_not_found"
