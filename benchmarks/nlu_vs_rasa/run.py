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
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

# Run as a script (benchmarks/nlu_vs_rasa/run.py), the repository is not on sys.path yet.
if str(Path(__file__).resolve().parents[2]) not in sys.path:
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from benchmarks.nlu_vs_rasa.inputs import CONFIG, DATA, DEV, REPO
from benchmarks.nlu_vs_rasa.ours_side import ours_side
from benchmarks.nlu_vs_rasa.progress import say
from benchmarks.nlu_vs_rasa.rasa_side import DIET_CONFIG, rasa_side
from benchmarks.nlu_vs_rasa.rasa_venv import DEFAULT_RASA_PYTHON, ensure_rasa_venv
from benchmarks.nlu_vs_rasa.report import machine, ratios
from benchmarks.nlu_vs_rasa.serving import WARMUP_REQUESTS


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
