"""What is measured of a started server, ours or Rasa's, in the same way over HTTP.

Startup until the ready URL answers, memory after startup and under load, latency and throughput
at 1 and 16 clients, and the dev set scored with bot.nlu.evaluation.evaluate over the parse API.
The load generator runs in this process, on the same machine as the server.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import math
import statistics
import subprocess
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from benchmarks.nlu_vs_rasa.processes import MemorySampler, tree_memory

WARMUP_REQUESTS = 50


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
