"""The trie-backed jieba cuts every text exactly as stock jieba does: the classifier's features
and the transcripts' blind word index (stored fingerprints of jieba's words) depend on it."""

from __future__ import annotations

import random
from pathlib import Path

import jieba
import pytest

from bot.nlu.components.jieba_dictionary import CompactJieba, load_compact_jieba
from bot.nlu.training_data import load_training_data
from bot.settings import REPO_ROOT


def _corpus() -> list[str]:
    texts = [t for t, _ in load_training_data(REPO_ROOT / "nlu_data").examples]
    for name in ("nlu_dev.yml", "nlu_hard.yml"):
        texts += [t for t, _ in load_training_data(REPO_ROOT / "tests" / "data" / name).examples]
    rng = random.Random(15)
    joined = "".join(texts)
    # Runs cut out of the corpus at random, mixed with Latin letters, digits and punctuation.
    for _ in range(400):
        start = rng.randrange(len(joined) - 40)
        texts.append(
            joined[start : start + rng.randrange(2, 40)] + rng.choice(["", " abc", "123", "！", "ＡＢ"])
        )
    return [*texts, "", " ", "中华人民共和国最高人民法院", "南京市长江大桥", "13812345678", "法律援助ABC中心"]


@pytest.fixture(scope="module")
def stock() -> jieba.Tokenizer:
    tokenizer = jieba.Tokenizer()
    tokenizer.initialize()
    return tokenizer


@pytest.fixture(scope="module")
def compact(tmp_path_factory: pytest.TempPathFactory) -> CompactJieba:
    return load_compact_jieba(cache_dir=tmp_path_factory.mktemp("jieba"))


def test_every_cut_is_stock_jiebas(stock, compact):
    assert compact.total == stock.total
    for text in _corpus():
        assert compact.lcut(text) == stock.lcut(text), text
        assert compact.lcut(text, HMM=False) == stock.lcut(text, HMM=False), text
        assert list(compact.cut_for_search(text)) == list(stock.cut_for_search(text)), text
        assert list(compact.tokenize(text)) == list(stock.tokenize(text)), text


def test_the_lookups_answer_as_jiebas_dict(stock, compact):
    for key in ["法律", "法律援", "法律援助", "援", "zzz", "不存在的词语", "中华人民共和"]:
        assert compact.FREQ.get(key) == stock.FREQ.get(key), key
        assert (key in compact.FREQ) == (key in stock.FREQ), key
    assert compact.suggest_freq("法律援助中心") == stock.suggest_freq("法律援助中心")


def test_words_added_at_run_time_cut_as_in_stock_jieba(tmp_path: Path):
    words = tmp_path / "words.txt"
    words.write_text("昆都仑区法援 10 n\n包钢集团 5\n", encoding="utf-8")
    stock = jieba.Tokenizer()
    stock.load_userdict(str(words))
    compact = load_compact_jieba(cache_dir=tmp_path)
    compact.load_userdict(str(words))
    for text in ["我在昆都仑区法援中心", "包钢集团欠我工资", "法律援助中心在哪"]:
        assert compact.lcut(text) == stock.lcut(text), text
        assert list(compact.cut_for_search(text)) == list(stock.cut_for_search(text)), text


def test_the_cache_is_built_once_and_reused(tmp_path: Path):
    first = load_compact_jieba(cache_dir=tmp_path)
    files = sorted(p.name for p in tmp_path.iterdir())
    assert len(files) == 2 and not any(name.endswith(".tmp") for name in files)
    again = load_compact_jieba(cache_dir=tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == files
    assert again.lcut("老板拖欠工资三个月了") == first.lcut("老板拖欠工资三个月了")
