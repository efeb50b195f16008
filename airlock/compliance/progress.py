"""Phase progress for long commands: a live line on a terminal, plain lines otherwise."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TextIO

_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class Progress:
    """Shows ``[n/total] phase`` while it runs and how long it took when it is done.

    On a terminal the line is redrawn with a spinner and the elapsed time; elsewhere (CI
    logs, pipes) each phase prints one line when it starts and one when it ends.
    """

    def __init__(self, total: int, *, stream: TextIO | None = None, prefix: str = "airlock check") -> None:
        self.total = total
        self.stream = stream if stream is not None else sys.stderr
        self.prefix = prefix
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self._step = 0

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        self._step += 1
        label = f"[{self._step}/{self.total}] {name}"
        started = time.monotonic()
        stop = threading.Event()
        ticker = None
        if self.tty:
            ticker = threading.Thread(target=self._spin, args=(label, started, stop), daemon=True)
            ticker.start()
        else:
            self._write(f"{self.prefix}: {label} ...\n")
        ok = False
        try:
            yield
            ok = True
        finally:
            stop.set()
            if ticker is not None:
                ticker.join()
            elapsed = time.monotonic() - started
            if self.tty:
                mark = "✓" if ok else "✗"
                self._write(f"\r\033[K{mark} {label} ({elapsed:.1f} s)\n")
            else:
                self._write(f"{self.prefix}: {label} {'done' if ok else 'failed'} ({elapsed:.1f} s)\n")

    def _spin(self, label: str, started: float, stop: threading.Event) -> None:
        frame = 0
        while not stop.is_set():
            elapsed = time.monotonic() - started
            self._write(f"\r\033[K{_SPINNER[frame % len(_SPINNER)]} {label} {elapsed:5.1f} s")
            frame += 1
            stop.wait(0.1)

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()


def phase_of(progress: Progress | None, name: str) -> AbstractContextManager[None]:
    """``progress.phase(name)``, or nothing when there is no progress to show."""
    return progress.phase(name) if progress is not None else nullcontext()
