"""The review tests run on the datasets tests' real API process and contributions made through it."""

from tests.integration.datasets.conftest import api_url, contribute, curator

__all__ = ["api_url", "contribute", "curator"]
