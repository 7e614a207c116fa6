"""The built-in NLU against Rasa 3.6.21 on the same config.yml and nlu_data/, in one run.

    /work/venv/bin/python benchmarks/nlu_vs_rasa/run.py [--diet] [--rasa-venv /work/rasa-venv]

Measured for each side: training time, startup time of a fresh server, RSS, parse latency
(p50/p99) and throughput at 1 and 16 concurrent clients over HTTP (bounded request counts,
127.0.0.1 only), and held-out accuracy / macro-F1 on tests/data/nlu_dev.yml scored with
bot.nlu.evaluation.evaluate. One JSON document goes to stdout (and to --out, /tmp by default);
progress goes to stderr.

The Rasa venv is reused when `<venv>/bin/rasa --version` works; otherwise it is built with
pyenv's Python 3.10.13 (`pip install rasa==3.6.21 jieba`), never when $CI is set.
Rasa runs with its working directory and cache in a temporary folder, so nothing is written
to the repository.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import math
import os
import platform
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[2]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

import aiohttp  # noqa: E402

CONFIG = REPO / "config.yml"
DATA = REPO / "nlu_data"
DEV = REPO / "tests" / "data" / "nlu_dev.yml"
RASA_VERSION = "3.6.21"
DEFAULT_RASA_PYTHON = Path.home() / ".pyenv" / "versions" / "3.10.13" / "bin" / "python"
WARMUP_REQUESTS = 50

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


def say(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ---- processes, ports, memory -------------------------------------------------------------
def free_ports(count: int) -> list[int]:
    with contextlib.ExitStack() as stack:
        socks = [stack.enter_context(socket.socket()) for _ in range(count)]
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in socks]


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def process_tree(pid: int) -> list[int]:
    tree = _children()
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(tree.get(current, []))
    return found


def _status_kb(pid: int, field: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _pss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_memory(pid: int) -> dict[str, Any]:
    pids = process_tree(pid)
    return {
        "processes": len(pids),
        "rss_mb": round(sum(_status_kb(p, "VmRSS") for p in pids) / 1024, 1),
        "pss_mb": round(sum(_pss_kb(p) for p in pids) / 1024, 1),
        "peak_rss_mb": round(sum(_status_kb(p, "VmHWM") for p in pids) / 1024, 1),
    }


class MemorySampler:
    """Samples the tree's RSS every 0.2 s (during load) and keeps the maximum."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.max_rss_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.max_rss_mb = max(self.max_rss_mb, tree_memory(self.pid)["rss_mb"])
            self._stop.wait(0.2)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()


def start(cmd: list[str], env: dict[str, str], cwd: Path, log: Path) -> subprocess.Popen[bytes]:
    fh = log.open("wb")
    return subprocess.Popen(
        cmd, env=env, cwd=cwd, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True
    )


def stop(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM the process we started and its descendants (by pid), SIGKILL after 15 s."""
    if proc.poll() is not None:
        return
    pids = process_tree(proc.pid)
    for pid in reversed(pids):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 15)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        for pid in reversed(pids):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, 9)
        proc.wait()


def log_tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


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


# ---- HTTP load and scoring --------------------------------------------------------------------
def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    index = max(0, math.ceil(q * len(sorted_values)) - 1)
    return sorted_values[index]


def latency_summary(seconds: list[float]) -> dict[str, Any]:
    values = sorted(seconds)
    return {
        "n": len(values),
        "p50_ms": round(statistics.median(values) * 1000, 3),
        "p99_ms": round(percentile(values, 0.99) * 1000, 3),
        "mean_ms": round(statistics.fmean(values) * 1000, 3),
        "max_ms": round(values[-1] * 1000, 3),
    }


async def http_load(url: str, texts: list[str], concurrency: int, requests: int) -> dict[str, Any]:
    """`requests` POSTs of {"text": ...} (dev texts in turn) from `concurrency` clients."""
    latencies: list[float] = []
    errors: list[str] = []
    index = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal index
        while index < requests:
            text = texts[index % len(texts)]
            index += 1
            began = time.perf_counter()
            try:
                async with session.post(url, json={"text": text}) as resp:
                    body = await resp.read()
                    if resp.status != 200 or b'"intent"' not in body:
                        errors.append(f"HTTP {resp.status}: {body[:200]!r}")
            except (aiohttp.ClientError, TimeoutError) as exc:  # a slow request counts as an error
                errors.append(f"{type(exc).__name__}: {exc}")
            latencies.append(time.perf_counter() - began)

    connector = aiohttp.TCPConnector(limit=concurrency)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        began = time.perf_counter()
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
        elapsed = time.perf_counter() - began
    return {
        "concurrency": concurrency,
        "requests": len(latencies),
        "errors": len(errors),
        "first_error": errors[0] if errors else None,
        "seconds": round(elapsed, 3),
        "throughput_rps": round(len(latencies) / elapsed, 1),
        **{k: v for k, v in latency_summary(latencies).items() if k != "n"},
    }


class JsonClient:
    """One keep-alive connection; a synchronous parse_fn for bot.nlu.evaluation.evaluate."""

    def __init__(self, port: int, path: str) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.path = path
        self.with_entities = 0

    def parse(self, text: str) -> Any:
        from bot.nlu.parse import Parse

        body = json.dumps({"text": text}, ensure_ascii=False).encode()
        self.conn.request("POST", self.path, body=body, headers={"Content-Type": "application/json"})
        resp = self.conn.getresponse()
        raw = resp.read()
        if resp.status != 200:
            raise RuntimeError(f"{self.path}: HTTP {resp.status}: {raw[:300]!r}")
        data = json.loads(raw)
        self.with_entities += bool(data.get("entities"))
        return Parse.from_json(data)

    def close(self) -> None:
        self.conn.close()


def score(examples: list[tuple[str, str]], parse_fn: Callable[[str], Any]) -> dict[str, Any]:
    from bot.nlu.evaluation import evaluate

    began = time.perf_counter()
    result = evaluate(examples, parse_fn)
    return {
        "examples": result.report["examples"],
        "accuracy": round(result.accuracy, 4),
        "macro_f1": round(result.macro_f1, 4),
        "weighted_f1": round(result.report["weighted avg"]["f1-score"], 4),
        "fallbacks": sum(1 for e in result.report["errors"] if e["intent_prediction"] == "nlu_fallback"),
        "top_confusions": result.report["confusions"][:5],
        "seconds": round(time.perf_counter() - began, 2),
    }


def wait_http(url: str, deadline: float, proc: subprocess.Popen[bytes], ok: Callable[[int], bool]) -> float:
    """Poll `url` until ok(status); the perf_counter time it first answered."""
    while time.perf_counter() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with code {proc.returncode} before {url} answered")
        try:
            parts = urlsplit(url)
            conn = http.client.HTTPConnection(parts.netloc, timeout=2)
            conn.request("GET", (parts.path or "/") + (f"?{parts.query}" if parts.query else ""))
            status = conn.getresponse().status
            conn.close()
            if ok(status):
                return time.perf_counter()
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{url} did not answer in time")


async def serve_measurements(
    proc: subprocess.Popen[bytes],
    began: float,
    ready_url: str,
    parse_url: str,
    port: int,
    parse_path: str,
    dev: list[tuple[str, str]],
    args: argparse.Namespace,
    extra_ready: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Startup, memory, load at c=1 and c=16, and dev-set scoring of a started server."""
    deadline = began + args.startup_timeout
    out: dict[str, Any] = {}
    for name, url in (extra_ready or {}).items():
        out[f"startup_until_{name}_s"] = round(wait_http(url, deadline, proc, lambda s: s < 500) - began, 3)
    ready_at = wait_http(ready_url, deadline, proc, lambda s: s == 200)
    out["startup_s"] = round(ready_at - began, 3)
    client = JsonClient(port, parse_path)
    client.parse(dev[0][0])
    out["startup_until_first_parse_s"] = round(time.perf_counter() - began, 3)
    client.close()
    out["memory_after_startup"] = tree_memory(proc.pid)
    texts = [t for t, _ in dev]
    await http_load(parse_url, texts, 16, WARMUP_REQUESTS)
    with MemorySampler(proc.pid) as sampler:
        out["http_c1"] = await http_load(parse_url, texts, 1, args.requests_c1)
        out["http_c16"] = await http_load(parse_url, texts, 16, args.requests_c16)
    out["memory_after_load"] = tree_memory(proc.pid)
    out["memory_after_load"]["max_sampled_rss_mb_during_load"] = sampler.max_rss_mb
    client = JsonClient(port, parse_path)
    out["dev_http"] = score(dev, client.parse)
    out["dev_http"]["parses_with_entities"] = client.with_entities
    client.close()
    return out


# ---- Rasa -------------------------------------------------------------------------------------
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


# ---- ours -------------------------------------------------------------------------------------
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


# ---- the run ----------------------------------------------------------------------------------
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


async def run(args: argparse.Namespace) -> dict[str, Any]:
    from bot.nlu.training_data import load_training_data

    dev = load_training_data(DEV).examples
    venv = args.rasa_venv.resolve()
    rasa_version, built = ensure_rasa_venv(venv, args.rasa_python)
    result: dict[str, Any] = {
        "benchmark": "nlu_vs_rasa",
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": machine(rasa_version),
        "inputs": {
            "config": str(CONFIG.relative_to(REPO)),
            "data": str(DATA.relative_to(REPO)) + "/",
            "dev_set": str(DEV.relative_to(REPO)),
            "dev_examples": len(dev),
            "requests_c1": args.requests_c1,
            "requests_c16": args.requests_c16,
            "warmup_requests": WARMUP_REQUESTS,
            "rasa_venv": str(venv),
            "rasa_venv_built_this_run": built,
            "load_generator": "aiohttp in the benchmark process, on the same machine (shares the CPUs)",
        },
    }
    work = Path(tempfile.mkdtemp(prefix="nlu-vs-rasa-"))
    try:
        result["ours"] = await ours_side(work, dev, args)
        result["rasa"] = await rasa_side(venv, CONFIG, work, "config_yml", dev, args)
        if args.diet:
            diet_config = work / "config-diet.yml"
            diet_config.write_text(DIET_CONFIG, encoding="utf-8")
            result["rasa_diet"] = await rasa_side(venv, diet_config, work, "diet", dev, args)
            result["rasa_diet"]["pipeline"] = DIET_CONFIG
        result["ratios"] = ratios(result["ours"], result["rasa"])
        if args.diet:
            result["ratios_vs_diet"] = ratios(result["ours"], result["rasa_diet"])
    finally:
        if args.keep_work:
            result["work_dir"] = str(work)
        else:
            shutil.rmtree(work, ignore_errors=True)
    result["finished"] = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rasa-venv", type=Path, default=Path("/work/rasa-venv"))
    parser.add_argument(
        "--rasa-python",
        type=Path,
        default=DEFAULT_RASA_PYTHON,
        help="Python 3.10 used to build the Rasa venv when it is missing",
    )
    parser.add_argument("--diet", action="store_true", help="also train and measure a Rasa DIET pipeline")
    parser.add_argument("--requests-c1", type=int, default=300)
    parser.add_argument("--requests-c16", type=int, default=2000)
    parser.add_argument("--startup-timeout", type=float, default=300.0)
    parser.add_argument("--train-timeout", type=float, default=1800.0)
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        help="where to write the JSON too (default /tmp/nlu_vs_rasa-<time>.json)",
    )
    parser.add_argument("--keep-work", action="store_true", help="keep the temporary folder (logs, models)")
    args = parser.parse_args()
    result = asyncio.run(run(args))
    text = json.dumps(result, indent=2, ensure_ascii=False)
    out = args.out or Path(tempfile.gettempdir()) / f"nlu_vs_rasa-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(text + "\n", encoding="utf-8")
    say(f"written to {out}")
    print(text)


if __name__ == "__main__":
    main()
