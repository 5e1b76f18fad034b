"""Errors of the scores service."""

from polyphony.errors import BadRequest, NotFound


class ScoreNotFound(NotFound):
    code = "score_not_found"


class DocumentsNotJudged(NotFound):
    code = "documents_not_judged"


class NotCurrentPolicy(BadRequest):
    code = "not_current_policy"


class NothingToRescore(BadRequest):
    code = "nothing_to_rescore"
