"""Scoring metrics shared across processes: workers write per-stage timings to Redis, the API's /metrics reads them.

A worker's own Prometheus registry dies with the process and is not scraped, so each stage's histogram buckets,
sum and failures are Redis hash counters (HINCRBY is atomic across workers) and a collector in the API turns them
into Prometheus histograms at scrape time, with the scoring queue's depth read from the broker's list.
"""

import logging
from collections.abc import Iterator

from prometheus_client import REGISTRY
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector
from redis import Redis
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

KEY = "polyphony:metrics:scoring"
BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 120.0)
# Celery's Redis transport keeps a queue as a list, plus one list per extra priority step.
_PRIORITY_SUFFIXES = ("", "\x06\x163", "\x06\x166", "\x06\x169")


def observe(redis: Redis, *, stage: str, seconds: float, failed: bool = False) -> None:
    """Count one run of `stage` that took `seconds` (and whether it failed); never raises."""
    pipe = redis.pipeline(transaction=False)
    for bound in BUCKETS:
        if seconds <= bound:
            pipe.hincrby(KEY, f"{stage}:le:{bound}", 1)
    pipe.hincrby(KEY, f"{stage}:count", 1)
    pipe.hincrbyfloat(KEY, f"{stage}:sum", seconds)
    if failed:
        pipe.hincrby(KEY, f"{stage}:failures", 1)
    try:
        pipe.execute()
    except RedisError as error:  # metrics never fail a score
        log.warning("scoring metrics not recorded: %s", error)


class ScoringCollector(Collector):
    """Per-stage latency histograms, failures and the scoring queue's depth, read from Redis at scrape time."""

    def __init__(self, redis: Redis, *, queue: str) -> None:
        self.redis = redis
        self.queue = queue

    def collect(self) -> Iterator[Metric]:
        """The scoring metrics as they are in Redis now; nothing when Redis does not answer."""
        try:
            raw = self.redis.hgetall(KEY)
            depth = sum(int(self.redis.llen(self.queue + suffix)) for suffix in _PRIORITY_SUFFIXES)
        except RedisError:
            return
        counters = {_text(key): float(value) for key, value in raw.items()}
        yield _queue_depth(self.queue, depth)
        yield from _stage_metrics(counters)


def _text(key: bytes | str) -> str:
    return key.decode() if isinstance(key, bytes) else key


def _queue_depth(queue: str, depth: int) -> Metric:
    gauge = GaugeMetricFamily("polyphony_scoring_queue_depth", "Scoring tasks waiting in the queue", labels=["queue"])
    gauge.add_metric([queue], depth)
    return gauge


def _stage_metrics(counters: dict[str, float]) -> Iterator[Metric]:
    stages = sorted({key.split(":", 1)[0] for key in counters})
    latency = HistogramMetricFamily(
        "polyphony_scoring_stage_seconds", "Time spent in each scoring stage", labels=["stage"]
    )
    failures = CounterMetricFamily(
        "polyphony_scoring_stage_failures", "Scoring stage runs that failed", labels=["stage"]
    )
    for stage in stages:
        buckets = [(str(bound), counters.get(f"{stage}:le:{bound}", 0.0)) for bound in BUCKETS]
        buckets.append(("+Inf", counters.get(f"{stage}:count", 0.0)))
        latency.add_metric([stage], buckets, sum_value=counters.get(f"{stage}:sum", 0.0))
        failures.add_metric([stage], counters.get(f"{stage}:failures", 0.0))
    yield latency
    yield failures


_installed: list[ScoringCollector] = []


def install_collector(redis: Redis, *, queue: str) -> None:
    """Register the scoring collector with the process's default registry, once."""
    if not _installed:
        collector = ScoringCollector(redis, queue=queue)
        REGISTRY.register(collector)
        _installed.append(collector)
