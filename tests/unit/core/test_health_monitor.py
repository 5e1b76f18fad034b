"""The health monitor: reads cost no probe, the background check refreshes, and an idle monitor stops probing."""

import threading
import time

from polyphony.health import HealthMonitor


class CountingProbe:
    def __init__(self) -> None:
        self.calls = 0
        self.lock = threading.Lock()

    def __call__(self) -> str:
        with self.lock:
            self.calls += 1
        return f"call {self.calls}"


def wait_until(condition, seconds: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_many_reads_cost_one_check_until_the_background_refreshes_it() -> None:
    probe = CountingProbe()
    monitor = HealthMonitor({"part": probe}, every_s=0.2, idle_s=0.6)

    reports = [monitor.latest() for _ in range(50)]

    assert probe.calls == 1 and {report.checked_at for report in reports} == {reports[0].checked_at}
    wait_until(lambda: monitor.latest().checked_at > reports[0].checked_at)
    assert monitor.latest().components["part"].status == "up"


def test_an_idle_monitor_stops_probing_and_a_read_starts_it_again() -> None:
    probe = CountingProbe()
    monitor = HealthMonitor({"part": probe}, every_s=0.05, idle_s=0.2)
    monitor.latest()

    wait_until(lambda: monitor._thread is not None and not monitor._thread.is_alive())
    stopped_at = probe.calls
    time.sleep(0.2)
    assert probe.calls == stopped_at  # nobody asked: nothing probed
    monitor.latest()
    wait_until(lambda: probe.calls > stopped_at)
