"""The JSON document's context: the machine it ran on, and ours-against-Rasa ratios.

Ratios are None when either side failed to produce a figure, so a partial run still reports.
"""

from __future__ import annotations

import contextlib
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from benchmarks.nlu_vs_rasa.inputs import REPO


def machine(rasa_version: str | None) -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = _status_kb_file("/proc/meminfo", "MemTotal")
    facts: dict[str, Any] = {
        "nproc": int(subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip() or 0),
        "cpu_count": os.cpu_count(),
        "cpu_model": cpu,
        "mem_total_gb": round(mem / 2**20, 1),
        "kernel": platform.release(),
        "python_ours": platform.python_version(),
        "python_ours_executable": sys.executable,
    }
    if rasa_version:
        for line in rasa_version.splitlines():
            key, _, value = line.partition(":")
            if key.strip() in ("Rasa Version", "Python Version", "Python Path"):
                facts["rasa_" + key.strip().lower().replace(" ", "_")] = value.strip()
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        facts["git_head"] = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True
        ).stdout.strip()
        facts["git_dirty_files"] = len(
            subprocess.run(
                ["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True
            ).stdout.splitlines()
        )
    return facts


def _status_kb_file(path: str, field: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(path).read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def _get(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return data


def ratios(ours: dict[str, Any], rasa: dict[str, Any]) -> dict[str, Any]:
    def div(a: Any, b: Any, digits: int = 2) -> float | None:
        return (
            round(a / b, digits)
            if isinstance(a, (int, float)) and isinstance(b, (int, float)) and b
            else None
        )

    def sub(a: Any, b: Any) -> float | None:
        return round(a - b, 4) if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None

    return {
        "throughput_c16_ours_over_rasa": div(
            _get(ours, "serve", "http_c16", "throughput_rps"),
            _get(rasa, "serve", "http_c16", "throughput_rps"),
        ),
        "throughput_c1_ours_over_rasa": div(
            _get(ours, "serve", "http_c1", "throughput_rps"), _get(rasa, "serve", "http_c1", "throughput_rps")
        ),
        "p50_c1_rasa_over_ours": div(
            _get(rasa, "serve", "http_c1", "p50_ms"), _get(ours, "serve", "http_c1", "p50_ms")
        ),
        "p99_c16_rasa_over_ours": div(
            _get(rasa, "serve", "http_c16", "p99_ms"), _get(ours, "serve", "http_c16", "p99_ms")
        ),
        "macro_f1_ours_minus_rasa": sub(
            _get(ours, "serve", "dev_http", "macro_f1"), _get(rasa, "serve", "dev_http", "macro_f1")
        ),
        "accuracy_ours_minus_rasa": sub(
            _get(ours, "serve", "dev_http", "accuracy"), _get(rasa, "serve", "dev_http", "accuracy")
        ),
        "train_wall_rasa_over_ours_fresh_process": div(
            _get(rasa, "train", "train_wall_s"), _get(ours, "train", "fresh_process_wall_s")
        ),
        "startup_rasa_over_ours_server": div(
            _get(rasa, "serve", "startup_s"), _get(ours, "serve", "startup_s")
        ),
        "rss_after_load_rasa_over_ours_server": div(
            _get(rasa, "serve", "memory_after_load", "rss_mb"),
            _get(ours, "serve", "memory_after_load", "rss_mb"),
        ),
    }
