"""How much resident memory the built-in NLU costs a serving process.

    PYTHONPATH=. python -m benchmarks.nlu_memory
    PYTHONPATH=. python -m benchmarks.nlu_memory --model-dir /tmp/nlu-models

Each figure comes from a fresh Python process (RSS from /proc/self/status, so Linux only):
- bare: the interpreter alone;
- NLU alone: the NLU's own modules imported (bot.nlu.model and what it pulls in), then the saved
  model loaded and a few messages parsed (jieba's dictionary loads on the first parse);
- serving: the whole serving stack imported (bot.app), then the same load and parses.
"NLU part" is what the NLU adds to the interpreter (NLU alone minus bare), and in the serving
process what the load and parses add after the stack is imported. The modules line says which
of the heavy libraries each process ended up holding. The model is trained first (in its own
process) when the model folder has none. The target (issue 15) is an NLU part of <= 150 MB.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bot.settings import REPO_ROOT

_RSS = """
def rss():
    for line in open('/proc/self/status'):
        if line.startswith('VmRSS:'):
            return int(line.split()[1]) / 1024
"""
_TRAIN = """
from pathlib import Path
from bot.nlu_service import load_or_train, model_fingerprint
root = Path({root!r})
load_or_train(root / 'config.yml', root / 'nlu_data', Path({models!r}))
print(model_fingerprint(root / 'config.yml', root / 'nlu_data'))
"""
_MEASURE = (
    _RSS
    + """
import json, sys
from pathlib import Path
figures = {{'start': rss()}}
{imports}
figures['imported'] = rss()
from bot.nlu.model import load_model
model = load_model(Path({model!r}))
assert model is not None, 'no model at ' + {model!r}
figures['loaded'] = rss()
for text in ('你好', '老板拖欠我三个月工资，我能申请法律援助吗', '转人工', '我家在昆都仑区，一个月收入两千多'):
    model.parse(text)
figures['parsed'] = rss()
figures['modules'] = sorted(m for m in ('numpy', 'scipy', 'sklearn', 'jieba') if m in sys.modules)
print(json.dumps(figures))
"""
)


def _python(code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=300
    )
    return done.stdout.strip().splitlines()[-1]


def measure(model: Path, imports: str) -> dict[str, object]:
    figures: dict[str, object] = json.loads(_python(_MEASURE.format(model=str(model), imports=imports)))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--model-dir", type=Path, help="where the model is saved (default: a temporary folder)"
    )
    args = parser.parse_args()
    models = args.model_dir or Path(tempfile.mkdtemp(prefix="nlu-memory-"))
    stamp = _python(_TRAIN.format(root=str(REPO_ROOT), models=str(models)))
    model = models / f"nlu-{stamp}.pkl"
    bare = float(_python(_RSS + "print(rss())"))
    alone = measure(model, "import bot.nlu.model")
    serving = measure(model, "import bot.app")
    print(f"model {stamp}; RSS in MB, each from a fresh process")
    print(f"bare interpreter                     {bare:7.1f}")
    for name, f in (("NLU alone", alone), ("serving (bot.app)", serving)):
        print(
            f"{name:20s} imported {f['imported']:7.1f}   model loaded {f['loaded']:7.1f}"
            f"   after parses {f['parsed']:7.1f}   modules {', '.join(f['modules'])}"  # type: ignore[arg-type]
        )
    print(f"NLU part, alone:   {float(alone['parsed']) - bare:7.1f} MB  (after parses - bare)")  # type: ignore[arg-type]
    print(
        f"NLU part, serving: {float(serving['parsed']) - float(serving['imported']):7.1f} MB loading and parsing"  # type: ignore[arg-type]
        f" on top of {float(serving['imported']):.1f} MB of imports"  # type: ignore[arg-type]
    )


if __name__ == "__main__":
    main()
