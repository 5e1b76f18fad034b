"""Several API workers, one scrape: /metrics adds up what every worker process counted."""

import os
import subprocess
import sys
from pathlib import Path

from cli.preflight import PROJECT_ROOT

WORKER = """
from api.metrics import REQUESTS, COMPONENT_UP
REQUESTS.labels("POST", "/contributions", "201").inc({count})
COMPONENT_UP.labels("storage").set({up})
"""
SCRAPE = "import sys; from api.metrics import exposition; sys.stdout.buffer.write(exposition())"


def _python(code: str, metrics_dir: Path) -> str:
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}
    done = subprocess.run([sys.executable, "-c", code], env=env, cwd=PROJECT_ROOT, capture_output=True, check=True)
    return done.stdout.decode()


def test_a_scrape_from_any_worker_counts_the_requests_of_every_worker(tmp_path: Path) -> None:
    _python(WORKER.format(count=2, up=0), tmp_path)
    _python(WORKER.format(count=3, up=1), tmp_path)
    scraped = _python(SCRAPE, tmp_path)
    assert 'polyphony_http_requests_total{method="POST",route="/contributions",status="201"} 5.0' in scraped
    assert 'polyphony_component_up{component="storage"} 1.0' in scraped  # the most recent health check
    assert scraped.count("# TYPE polyphony_http_requests_total counter") == 1
