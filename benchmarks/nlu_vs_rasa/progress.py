"""Progress lines, timestamped, go to stderr: stdout carries only the one JSON document."""

from __future__ import annotations

import sys
import time


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
