"""The UiAdapter: work on worker threads, results and listeners on the UI thread only."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

import pytest

from kiosk.ui.adapter import UiAdapter
from tests.fixtures.kiosk import wait_for


class FakeUiThread:
    """Stands in for Kivy's Clock: callbacks queue up and run when the "UI thread" pumps."""

    def __init__(self) -> None:
        self.queue: queue.Queue[Callable[[float], None]] = queue.Queue()

    def schedule(self, callback: Callable[[float], None], timeout: float) -> None:
        assert timeout == 0
        self.queue.put(callback)

    def pump(self, timeout: float = 5.0) -> None:
        self.queue.get(timeout=timeout)(0.0)


@pytest.fixture
def ui() -> FakeUiThread:
    return FakeUiThread()


def test_work_runs_off_the_ui_thread_and_its_result_on_it(ui: FakeUiThread) -> None:
    adapter = UiAdapter(ui.schedule)
    seen: dict[str, Any] = {}
    adapter.run(lambda: (seen.setdefault("worker", threading.current_thread().name), 42)[1],
                lambda value: seen.update(done=value, on=threading.current_thread().name))
    ui.pump()
    assert seen["worker"].startswith("ui-worker")
    assert seen["done"] == 42 and seen["on"] == threading.current_thread().name
    adapter.close()


def test_a_failure_goes_to_failed_on_the_ui_thread(ui: FakeUiThread) -> None:
    adapter = UiAdapter(ui.schedule)
    errors: list[BaseException] = []
    adapter.run(lambda: 1 / 0, lambda _v: pytest.fail("not done"), errors.append)
    ui.pump()
    assert isinstance(errors[0], ZeroDivisionError)
    adapter.close()


def test_a_listener_called_on_a_device_thread_runs_on_the_ui_thread(ui: FakeUiThread) -> None:
    adapter = UiAdapter(ui.schedule)
    got: list[tuple[str, str]] = []
    listener = adapter.on_ui(lambda r: got.append((r, threading.current_thread().name)))
    t = threading.Thread(target=listener, args=("tap",), name="sim-card-reader")
    t.start()
    t.join()
    assert got == []  # nothing ran on the reader's thread
    ui.pump()
    assert got == [("tap", threading.current_thread().name)]
    adapter.close()


def test_a_screen_update_that_raises_is_logged_not_raised(ui: FakeUiThread,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    adapter = UiAdapter(ui.schedule)
    adapter.on_ui(lambda: 1 / 0)()
    ui.pump()  # would raise ZeroDivisionError into Kivy's loop without the guard
    assert "a screen update failed" in caplog.text
    adapter.close()


def test_after_close_nothing_is_posted(ui: FakeUiThread) -> None:
    adapter = UiAdapter(ui.schedule)
    release = threading.Event()
    adapter.run(lambda: release.wait(5), lambda _v: None)
    adapter.close()
    release.set()
    adapter.on_ui(lambda: None)()
    with pytest.raises(queue.Empty):
        ui.pump(timeout=0.3)


def test_slow_work_does_not_hold_up_other_work(ui: FakeUiThread) -> None:
    adapter = UiAdapter(ui.schedule)
    release = threading.Event()
    done: list[str] = []
    adapter.run(lambda: release.wait(5) and "slow", done.append)
    adapter.run(lambda: "fast", done.append)
    ui.pump()
    assert done == ["fast"]
    release.set()
    ui.pump()
    wait_for(lambda: done == ["fast", "slow"], 5, "the slow call")
    adapter.close()
