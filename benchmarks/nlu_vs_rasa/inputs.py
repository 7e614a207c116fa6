"""What both sides are trained and scored on: the repository's config.yml, nlu_data/ and dev set.

Paths are absolute (from this file), so the benchmark runs from any working directory and
Rasa, which runs in a temporary folder, reads the same files as ours.
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

CONFIG = REPO / "config.yml"
DATA = REPO / "nlu_data"
DEV = REPO / "tests" / "data" / "nlu_dev.yml"
