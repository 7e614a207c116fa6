"""Rasa's side: `rasa train nlu` timed, then `rasa run --enable-api` measured like ours.

The documented command (`--data`) is tried first and its error recorded, since Rasa 3.6 only
knows `--nlu`; DIET_CONFIG is the reference pipeline measured with --diet.
"""

from __future__ import annotations

import argparse
import re
import secrets
import subprocess
import time
from pathlib import Path
from typing import Any

from benchmarks.nlu_vs_rasa.inputs import DATA
from benchmarks.nlu_vs_rasa.processes import free_ports, log_tail, start, stop
from benchmarks.nlu_vs_rasa.progress import say
from benchmarks.nlu_vs_rasa.rasa_venv import rasa_env
from benchmarks.nlu_vs_rasa.serving import serve_measurements

DIET_CONFIG = """\
recipe: default.v1
language: zh
assistant_id: legalaid-nlu-diet-bench
pipeline:
  - name: JiebaTokenizer
  - name: CountVectorsFeaturizer
    analyzer: word
  - name: CountVectorsFeaturizer
    analyzer: char_wb
    min_ngram: 1
    max_ngram: 4
  - name: DIETClassifier
    epochs: 100
  - name: FallbackClassifier
    threshold: 0.3
    ambiguity_threshold: 0.05
policies: []
"""


_ANSI = re.compile(r"\x1b\[[0-9;]*m")


def warnings_in(text: str) -> list[str]:
    """Rasa's own UserWarnings (not the library deprecation noise), deduplicated."""
    found: list[str] = []
    for line in _ANSI.sub("", text).splitlines():
        if "UserWarning:" in line and "/rasa/" in line:
            message = line.split("UserWarning:", 1)[1].strip()
            if message not in found:
                found.append(message)
    return found


def rasa_train(venv: Path, config: Path, work: Path, label: str, timeout: float) -> dict[str, Any]:
    """`rasa train nlu` timed; first the command config.yml documents (`--data`), as written."""
    rasa = str(venv / "bin" / "rasa")
    out_dir = work / f"models-{label}"
    result: dict[str, Any] = {"config": str(config)}
    if label == "config_yml":
        documented = [
            rasa,
            "train",
            "nlu",
            "--config",
            str(config),
            "--data",
            str(DATA) + "/",
            "--out",
            str(out_dir),
        ]
        done = subprocess.run(
            documented, cwd=work, env=rasa_env(work, label), capture_output=True, text=True, timeout=600
        )
        result["documented_command"] = "rasa train nlu --config config.yml --data nlu_data/"
        result["documented_command_exit_code"] = done.returncode
        if done.returncode != 0:
            errors = [line for line in done.stderr.splitlines() if "error" in line.lower()]
            result["documented_command_error"] = errors[-1] if errors else done.stderr.strip()[-500:]
    cmd = [rasa, "train", "nlu", "--config", str(config), "--nlu", str(DATA) + "/", "--out", str(out_dir)]
    result["command"] = " ".join(cmd)
    log = work / f"rasa-train-{label}.log"
    say(f"rasa train nlu ({label}) ...")
    began = time.perf_counter()
    with log.open("wb") as fh:
        try:
            done_code = subprocess.run(
                cmd, cwd=work, env=rasa_env(work, label), stdout=fh, stderr=subprocess.STDOUT, timeout=timeout
            ).returncode
        except subprocess.TimeoutExpired:
            done_code = None
    result["train_wall_s"] = round(time.perf_counter() - began, 2)
    text = log.read_text(errors="replace")
    result["warnings"] = warnings_in(text)
    models = sorted(out_dir.glob("*.tar.gz"))
    if done_code != 0 or not models:
        result["error"] = "timed out" if done_code is None else f"exit code {done_code}"
        result["error_output"] = log_tail(log, 40)
        say(f"rasa train ({label}) FAILED: {result['error']}")
        return result
    result["model"] = str(models[-1])
    result["model_mb"] = round(models[-1].stat().st_size / 2**20, 2)
    say(f"rasa train ({label}) done in {result['train_wall_s']} s")
    return result


async def rasa_serve(
    venv: Path, model: str, work: Path, label: str, dev: list[tuple[str, str]], args: argparse.Namespace
) -> dict[str, Any]:
    [port] = free_ports(1)
    token = secrets.token_hex(16)
    cmd = [
        str(venv / "bin" / "rasa"),
        "run",
        "--enable-api",
        "-m",
        model,
        "--port",
        str(port),
        "--auth-token",
        token,
        "-i",
        "127.0.0.1",
    ]
    log = work / f"rasa-run-{label}.log"
    say(f"rasa run ({label}) on port {port} ...")
    began = time.perf_counter()
    proc = start(cmd, rasa_env(work, label), work, log)
    try:
        out = await serve_measurements(
            proc,
            began,
            ready_url=f"http://127.0.0.1:{port}/status?token={token}",
            parse_url=f"http://127.0.0.1:{port}/model/parse?token={token}",
            port=port,
            parse_path=f"/model/parse?token={token}",
            dev=dev,
            args=args,
            extra_ready={"root": f"http://127.0.0.1:{port}/"},
        )
        out["command"] = " ".join(cmd).replace(token, "<token>")
        return out
    except Exception as exc:
        return {"error": f"{type(exc).__name__}: {exc!r}", "log_tail": log_tail(log)}
    finally:
        stop(proc)


async def rasa_side(
    venv: Path, config: Path, work: Path, label: str, dev: list[tuple[str, str]], args: argparse.Namespace
) -> dict[str, Any]:
    train = rasa_train(venv, config, work, label, args.train_timeout)
    result: dict[str, Any] = {"train": train}
    if "model" in train:
        result["serve"] = await rasa_serve(venv, train["model"], work, label, dev, args)
    return result
