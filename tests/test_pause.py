"""A training process paused with SIGTSTP does not count the pause as training time (mi_lib.pause)."""

import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
from tiny import tiny_config, tiny_split

from mi_lib import training
from mi_lib.models import build_model
from mi_lib.pause import PauseClock

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGTSTP"), reason="SIGTSTP is POSIX")

CHILD = """
import time
from mi_lib.pause import PauseClock
with PauseClock() as clock:
    print("ready", flush=True)
    end = time.perf_counter() + 3.0
    while time.perf_counter() < end:
        time.sleep(0.02)
print(clock.paused_s, flush=True)
"""


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads a process's state from /proc")
def test_sigtstp_stops_the_process_and_the_clock_keeps_the_stopped_span():
    child = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline().strip() == "ready"
        child.send_signal(signal.SIGTSTP)
        deadline = time.monotonic() + 5
        while _state(child.pid) != "T" and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _state(child.pid) == "T"  # stopped by its own handler, not merely told
        time.sleep(1.0)
        child.send_signal(signal.SIGCONT)
        paused = float(child.communicate(timeout=30)[0])
    finally:
        child.kill()
    assert 0.9 <= paused < 10


def test_outside_the_clock_sigtstp_is_handled_as_before():
    before = signal.getsignal(signal.SIGTSTP)
    with PauseClock() as clock:
        assert signal.getsignal(signal.SIGTSTP) == clock._stop
    assert signal.getsignal(signal.SIGTSTP) == before and clock.paused_s == 0.0


@pytest.mark.parametrize("pause, recorded", [(1000.0, 2 * 500.0), (2000.0, 0.0)])
def test_training_time_leaves_out_what_the_clock_counts_as_paused(isolated_cache, monkeypatch, pause, recorded):
    """Each epoch takes 1500 s by a fake wall clock, and the pause clock says ``pause`` s of it were stopped: the
    epoch records the rest, never less than nothing."""

    class Clock(PauseClock):
        reads = 0

        @property
        def paused_s(self):
            type(self).reads += 1
            return pause * (type(self).reads // 2)  # at an epoch's start, then ``pause`` s more by its end

        @paused_s.setter
        def paused_s(self, value):
            pass

    ticks = iter(range(0, 10**6, 1500))
    monkeypatch.setattr(training, "PauseClock", Clock)
    monkeypatch.setattr(training, "time", SimpleNamespace(perf_counter=lambda: float(next(ticks))))
    config = tiny_config(epochs=2)
    model = build_model(config, in_shape=(1, 12, 12), n_classes=4)
    state = training.train(config, model, tiny_split(), checkpoint=isolated_cache / "p.pt", progress=False)
    assert state.train_time_s == recorded
