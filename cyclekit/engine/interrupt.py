"""Stop a run cleanly on Ctrl-C / SIGTERM: finish the current step, checkpoint, exit.

A signal only raises a flag; the loop checks it between steps, so the checkpoint written on
the way out is as consistent as a scheduled one and ``--resume`` continues exactly.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager


class StopRequest:
    def __init__(self):
        self.signal_name: str | None = None

    @property
    def requested(self) -> bool:
        return self.signal_name is not None


@contextmanager
def stop_on_signals(enabled: bool = True):
    """Within the block, SIGINT and SIGTERM set ``request.signal_name`` instead of killing us.

    A second Ctrl-C interrupts at once. Outside the main thread (or when not ``enabled``)
    signals keep their usual behaviour.
    """
    request = StopRequest()
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield request
        return

    def handle(signum, frame):
        if request.requested and signum == signal.SIGINT:
            raise KeyboardInterrupt
        request.signal_name = signal.Signals(signum).name

    previous = {sig: signal.signal(sig, handle) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield request
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
