"""What one built-in NLU parse costs: the median microseconds per parse, cache off and on.

    PYTHONPATH=. python -m benchmarks.nlu_parse
    PYTHONPATH=. python -m benchmarks.nlu_parse --rounds 5 --model-dir /tmp/nlu-models

Two sets of texts: every example in nlu_data/ (what the model was trained on, ~2 000 texts) and
the distinct citizen sentences below (written for this benchmark, never trained on: long, mixed,
colloquial, with numbers and places, as WeChat messages arrive). Each set is parsed `--rounds`
times after a warm-up round that is not counted. "cache off" calls the model without its parse
cache and empties jieba's cache of cut runs before each parse (every text a first sight), "cache
on" goes through both, so repeated texts ("1", "转人工", "你好") cost a look-up. A
model without a cache (an older commit) reports its one figure under both, so the script runs
unchanged on the base commit for a before/after in the same way.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bot.nlu.components.tokenizers import shared_jieba
from bot.nlu.training_data import load_training_data
from bot.nlu_service import load_or_train
from bot.settings import REPO_ROOT

CITIZEN_SENTENCES = [
    "老板拖欠我三个月工资一共一万二，我能申请法律援助吗",
    "你好 在吗 想问问离婚的事 他不同意离怎么办",
    "我在工地上摔断了腿，包工头不给赔钱，现在人也找不到了",
    "俺男人天天喝酒打俺，孩子才五岁，想离婚孩子归我",
    "法律援助中心在哪里 周六上班吗",
    "申请法律援助要带哪些材料，身份证复印件行不行",
    "我上个月交的申请，现在审批到哪一步了",
    "转人工",
    "帮我找个律师说话",
    "谢谢你们，问题解决了",
    "我儿子被派出所抓了，说是涉嫌盗窃，能给他请个律师吗",
    "村里不给我们家发低保，说我们不符合条件，我想告他们",
    "我被错误关押了两年，后来无罪释放，能申请国家赔偿吗",
    "城管把我的摊子没收了，我想打行政官司",
    "邻居家装修把我家墙弄裂了，找他他不管",
    "我在昆都仑区，月收入两千多，符合法律援助条件吗",
    "我电话是13912345678，请你们工作人员打给我",
    "公司辞退我不给经济补偿金，我干了八年了",
    "交通事故对方全责，保险公司只赔了一点医药费",
    "借给朋友五万块钱，他现在不还了，有借条",
    "你们的服务态度太差了，我要投诉那个接待的人",
    "今天天气怎么样",
    "好的",
    "不是这个意思",
    "再见",
    "我是残疾人，申请法律援助需要审查经济困难吗",
    "老人去世后兄弟几个争房子，我该分多少",
    "网上买东西被骗了三千块，报警了没人管",
    "工伤认定下来了，公司不给办伤残鉴定，怎么办",
    "拿不到工资，也没签劳动合同，能去仲裁吗",
    "我老公出轨了，要离婚，房子是婚前他买的",
    "孩子抚养费他一直不给，法院判了也不执行",
    "医院手术出了事故，我爸现在瘫痪了",
    "派出所罚了我五百块，我觉得不合理",
    "养老保险断交了几年，现在能补吗",
    "我想咨询一下 就是那个 房东不退押金",
    "请问怎么申请，网上能办吗",
    "我已经提交了，多久能有结果",
    "你好",
    "1",
]


def _median_us(
    parse: Callable[[str], Any], texts: list[str], rounds: int, forget: Callable[[], None]
) -> float:
    for text in texts:  # warm-up: jieba's and the model's first calls, and the cache
        parse(text)
    samples: list[float] = []
    for _ in range(rounds):
        for text in texts:
            forget()
            started = time.perf_counter_ns()
            parse(text)
            samples.append((time.perf_counter_ns() - started) / 1000)
    return statistics.median(samples)


def _parsers(model: Any) -> tuple[Callable[[str], Any], Callable[[str], Any]]:
    """(cache off, cache on); a model of an older commit has only the one parse."""
    try:
        model.parse("你好", cache=False)
    except TypeError:
        return model.parse, model.parse
    return (lambda text: model.parse(text, cache=False)), model.parse


def _forget_runs() -> None:
    """Empty jieba's cache of cut runs (where there is one), so "cache off" is a first sight."""
    runs = getattr(shared_jieba(), "_run_words", None)
    if runs is not None:
        runs.cache_clear()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds over each set (default 3)")
    parser.add_argument(
        "--model-dir", type=Path, help="where the model is saved (default: a temporary folder)"
    )
    args = parser.parse_args()
    model_dir = args.model_dir or Path(tempfile.mkdtemp(prefix="nlu-bench-"))
    model = load_or_train(REPO_ROOT / "config.yml", REPO_ROOT / "nlu_data", model_dir)
    examples = [text for text, _ in load_training_data(REPO_ROOT / "nlu_data").examples]
    uncached, cached = _parsers(model)
    print(
        f"model {model.fingerprint}, {len(model.intents)} intents; median µs per parse, {args.rounds} rounds"
    )
    for name, texts in (("nlu_data examples", examples), ("citizen sentences", CITIZEN_SENTENCES)):
        off = _median_us(uncached, texts, args.rounds, _forget_runs)
        on = _median_us(cached, texts, args.rounds, lambda: None)
        print(f"{name:20s} ({len(texts):5d} texts)  cache off {off:8.1f} µs   cache on {on:8.1f} µs")


if __name__ == "__main__":
    main()
