"""The review tests run on the datasets tests' real API process and contributions made through it, with the
scoring worker running: a batch is sampled once every member is scored, and it may hold other tests' claims."""

import pytest

from tests.integration.datasets.conftest import api_url, contribute, curator
from tests.integration.scoring.conftest import scoring_celery_worker

__all__ = ["api_url", "contribute", "curator", "scoring_celery_worker"]


@pytest.fixture(autouse=True)
def scoring(scoring_celery_worker: None) -> None:
    """The scoring queue's worker, for what `sampled` sends as beat would."""
