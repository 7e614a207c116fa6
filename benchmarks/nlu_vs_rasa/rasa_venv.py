"""The Rasa venv: reused when `rasa --version` works, otherwise built (never in CI).

Rasa 3.6 needs Python 3.10, so it lives in its own venv built with pyenv's 3.10.13; its
environment drops LEGALAID_* and PYTHON* and keeps its cache and HOME in the work folder.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from benchmarks.nlu_vs_rasa.progress import say

RASA_VERSION = "3.6.21"
DEFAULT_RASA_PYTHON = Path.home() / ".pyenv" / "versions" / "3.10.13" / "bin" / "python"


def rasa_works(venv: Path) -> str | None:
    rasa = venv / "bin" / "rasa"
    if not rasa.exists():
        return None
    try:
        done = subprocess.run(
            [str(rasa), "--version"], capture_output=True, text=True, timeout=180, env=rasa_env(None)
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def ensure_rasa_venv(venv: Path, python: Path) -> tuple[str, bool]:
    """`rasa --version` output of a working venv (built if missing); and whether it was built."""
    version = rasa_works(venv)
    if version is not None:
        return version, False
    if os.environ.get("CI"):
        raise SystemExit(f"{venv}: no working Rasa venv, and it is never built in CI")
    if not python.exists():
        raise SystemExit(f"{python} not found: install it with `pyenv install 3.10.13` or pass --rasa-python")
    say(f"building the Rasa venv at {venv} (rasa=={RASA_VERSION}; this takes several minutes)")
    subprocess.run([str(python), "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--upgrade", "pip"], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", f"rasa=={RASA_VERSION}", "jieba"], check=True)
    version = rasa_works(venv)
    if version is None:
        raise SystemExit(f"{venv}: built, but `rasa --version` still fails")
    return version, True


def rasa_env(work: Path | None, label: str = "") -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LEGALAID_", "PYTHON"))}
    env.update(RASA_TELEMETRY_ENABLED="false", TF_CPP_MIN_LOG_LEVEL="2", SQLALCHEMY_SILENCE_UBER_WARNING="1")
    if work is not None:
        env["RASA_CACHE_DIRECTORY"] = str(work / f"rasa-cache-{label}")  # no cache hits across runs
        env["HOME"] = str(work / "home")  # Rasa's global config (~/.config/rasa) stays out of the real home
        (work / "home").mkdir(exist_ok=True)
    return env
