"""Health checks: each probe timed, a failure reported with its reason, a hung probe cut at the deadline."""

import threading

from polyphony.health import check_components


def test_an_answering_probe_is_up_with_its_detail() -> None:
    result = check_components({"database": lambda: "sqlite, schema 0001"})
    assert result["database"].status == "up"
    assert result["database"].detail == "sqlite, schema 0001"
    assert result["database"].latency_ms >= 0


def test_a_failing_probe_is_down_with_the_reason() -> None:
    def refused() -> str:
        raise ConnectionRefusedError("connection refused by 127.0.0.1:9")

    result = check_components({"redis": refused})
    assert result["redis"].status == "down"
    assert result["redis"].detail == "ConnectionRefusedError: connection refused by 127.0.0.1:9"


def test_a_hung_probe_is_down_at_the_deadline_and_others_still_answer() -> None:
    release = threading.Event()

    def hangs() -> str:
        release.wait(10)
        return "late"

    try:
        result = check_components({"chain": hangs, "storage": lambda: "local"}, deadline_s=0.2)
    finally:
        release.set()
    assert result["chain"].status == "down"
    assert "no answer within 0.2 s" in result["chain"].detail
    assert result["storage"].status == "up"
