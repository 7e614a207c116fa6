"""Our side: training and model loading in fresh processes, in-process parsing, `legalaid serve`.

Training and loading run as `python -c` scripts so that their wall time includes the imports
and the jieba dictionary, as a restart would; `legalaid serve` runs against `fake-wechat` and is
measured by serving.py exactly as Rasa's server is.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.nlu_vs_rasa.inputs import CONFIG, DATA, REPO
from benchmarks.nlu_vs_rasa.processes import free_ports, log_tail, start, stop
from benchmarks.nlu_vs_rasa.progress import say
from benchmarks.nlu_vs_rasa.serving import latency_summary, score, serve_measurements, wait_http

TRAIN_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from bot.nlu.model import train_model
from bot.nlu.pipeline import load_pipeline_config
from bot.nlu_service import model_fingerprint
from bot.nlu.training_data import load_training_data
from bot.nlu.components.tokenizers import JiebaTokenizer
t_import = time.perf_counter()
config_path, data_path, model_dir = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
config = load_pipeline_config(config_path)
data = load_training_data(data_path)
stamp = model_fingerprint(config_path, data_path)
t_data = time.perf_counter()
cold = train_model(config, data, stamp)          # first JiebaTokenizer: imports jieba, loads its dictionary
t_cold = time.perf_counter()
warm = train_model(config, data, stamp)          # jieba imported; a new Tokenizer still loads the (cached) dictionary
t_warm = time.perf_counter()
JiebaTokenizer()
t_tok = time.perf_counter()
path = model_dir / f"nlu-{stamp}.pkl"
warm.save(path)
print("BENCH_JSON " + json.dumps({
    "imports_s": t_import - t0, "load_config_and_data_s": t_data - t_import,
    "train_cold_s": t_cold - t_data, "train_warm_s": t_warm - t_cold,
    "jieba_tokenizer_init_warm_s": t_tok - t_warm,
    "trained_seconds_reported_cold": cold.trained_seconds, "trained_seconds_reported_warm": warm.trained_seconds,
    "examples": len(data.examples), "intents": len(data.intents), "model_path": str(path),
    "model_mb": path.stat().st_size / 2**20, "fingerprint": stamp,
}), flush=True)
"""

LOAD_SCRIPT = r"""
import json, sys, time
t0 = time.perf_counter()
from pathlib import Path
from bot.nlu_service import load_or_train
config_path, data_path, model_dir = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
before = {p.name: p.stat().st_mtime_ns for p in model_dir.glob("nlu-*.pkl")}
model = load_or_train(config_path, data_path, model_dir)
t_loaded = time.perf_counter()
model.parse("老板拖欠工资三个月了怎么办")
t_parsed = time.perf_counter()
after = {p.name: p.stat().st_mtime_ns for p in model_dir.glob("nlu-*.pkl")}
status = {}
for line in Path("/proc/self/status").read_text().splitlines():
    if line.startswith(("VmRSS:", "VmHWM:")):
        status[line.split(":")[0]] = int(line.split()[1]) / 1024
pss = 0
for line in Path("/proc/self/smaps_rollup").read_text().splitlines():
    if line.startswith("Pss:"):
        pss = int(line.split()[1]) / 1024
print("BENCH_JSON " + json.dumps({
    "in_process_import_and_load_s": t_loaded - t0, "first_parse_s": t_parsed - t_loaded,
    "loaded_saved_model": before == after and bool(before), "rss_mb": status["VmRSS"],
    "peak_rss_mb": status["VmHWM"], "pss_mb": pss,
}), flush=True)
"""


def run_script(script: str, argv: list[str], env: dict[str, str]) -> tuple[dict[str, Any], float, float]:
    """Run a `python -c` script; (its BENCH_JSON, wall seconds until that line, wall seconds to exit)."""
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *argv],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    payload: dict[str, Any] | None = None
    ready = 0.0
    for line in proc.stdout:
        if line.startswith("BENCH_JSON "):
            ready = time.perf_counter() - began
            payload = json.loads(line.removeprefix("BENCH_JSON "))
    stderr = proc.stderr.read() if proc.stderr else ""
    code = proc.wait()
    total = time.perf_counter() - began
    if code != 0 or payload is None:
        raise RuntimeError(f"python -c script failed (exit {code}):\n{stderr[-3000:]}")
    return payload, ready, total


def ours_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("LEGALAID_")}
    env["PYTHONPATH"] = str(REPO)
    return env


def rounded(data: dict[str, Any], digits: int = 3) -> dict[str, Any]:
    return {k: round(v, digits) if isinstance(v, float) else v for k, v in data.items()}


async def ours_side(work: Path, dev: list[tuple[str, str]], args: argparse.Namespace) -> dict[str, Any]:
    model_dir = work / "models-ours"
    model_dir.mkdir()
    argv = [str(CONFIG), str(DATA), str(model_dir)]
    say("ours: training in a fresh process ...")
    train, _, train_wall = run_script(TRAIN_SCRIPT, argv, ours_env())
    result: dict[str, Any] = {"train": {**rounded(train), "fresh_process_wall_s": round(train_wall, 3)}}

    say("ours: startup of a fresh process loading the saved model ...")
    runs = [run_script(LOAD_SCRIPT, argv, ours_env()) for _ in range(3)]
    result["startup_load_saved_model"] = {
        "runs": 3,
        "wall_until_loaded_and_first_parse_s_median": round(statistics.median(r[1] for r in runs), 3),
        "wall_until_loaded_and_first_parse_s_all": [round(r[1], 3) for r in runs],
        "wall_until_exit_s_median": round(statistics.median(r[2] for r in runs), 3),
        **rounded(runs[-1][0]),
    }

    say("ours: in-process parse latency ...")
    from bot.nlu.model import load_model

    model = load_model(Path(train["model_path"]))
    if model is None:
        raise RuntimeError("the saved model did not load")
    for text, _ in dev[:10]:
        model.parse(text)
    times: list[float] = []
    for _ in range(3):
        for text, _ in dev:
            began = time.perf_counter()
            model.parse(text)
            times.append(time.perf_counter() - began)
    result["parse_in_process"] = latency_summary(times)
    result["dev_in_process"] = score(dev, model.parse)

    fake_port, port = free_ports(2)
    token = secrets.token_hex(16)
    env = ours_env()
    env.update(
        LEGALAID_DATABASE_URL=f"sqlite+aiosqlite:///{work}/b.db",
        LEGALAID_NLU_TOKEN=token,
        LEGALAID_NLU_BACKEND="builtin",
        LEGALAID_LOG_LEVEL="WARNING",
        LEGALAID_MODEL_DIR=str(model_dir),
        LEGALAID_WECHAT_API_BASE=f"http://127.0.0.1:{fake_port}",
    )
    fake = start(
        [sys.executable, "-m", "bot.cli", "fake-wechat", "--port", str(fake_port)],
        ours_env(),
        REPO,
        work / "fake-wechat.log",
    )
    try:
        wait_http(
            f"http://127.0.0.1:{fake_port}/fake/sent", time.perf_counter() + 60, fake, lambda s: s < 500
        )
        say(f"ours: legalaid serve on port {port} ...")
        before = {p.name: p.stat().st_mtime_ns for p in model_dir.glob("nlu-*.pkl")}
        began = time.perf_counter()
        service = start(
            [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)], env, REPO, work / "serve.log"
        )
        try:
            serve = await serve_measurements(
                service,
                began,
                ready_url=f"http://127.0.0.1:{port}/readyz",
                parse_url=f"http://127.0.0.1:{port}/nlu/parse?token={token}",
                port=port,
                parse_path=f"/nlu/parse?token={token}",
                dev=dev,
                args=args,
                extra_ready={"healthz": f"http://127.0.0.1:{port}/healthz"},
            )
            serve["loaded_saved_model"] = before == {
                p.name: p.stat().st_mtime_ns for p in model_dir.glob("nlu-*.pkl")
            }
            serve["note"] = "startup_s includes DB migrations (sqlite), the WeChat client and the dialogue"
            result["serve"] = serve
        except Exception as exc:
            result["serve"] = {
                "error": f"{type(exc).__name__}: {exc}",
                "log_tail": log_tail(work / "serve.log"),
            }
        finally:
            stop(service)
    finally:
        stop(fake)
    return result
