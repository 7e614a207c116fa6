"""The built-in NLU as the serving process runs it: the same n-grams scikit-learn counts, a parse
cache no caller can spoil, and a loaded model that needs neither scikit-learn nor SciPy."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sklearn.feature_extraction.text import CountVectorizer

from bot.nlu.components.featurizers import CountVectorsFeaturizer
from bot.nlu.components.tokenizers import JiebaTokenizer
from bot.nlu.model import normalize_text
from bot.nlu.training_data import load_training_data
from bot.nlu_service import BuiltinNlu, load_or_train, model_fingerprint
from bot.settings import REPO_ROOT

CONFIG = REPO_ROOT / "config.yml"
DATA = REPO_ROOT / "nlu_data"
ODD_TEXTS = ["  ＡＢＣ１２３  转人工 ", "a", "Hello  World\tAGAIN", "我\n\n要 离婚", "x y", "老板欠薪3个月"]


def _texts() -> list[str]:
    texts = [t for t, _ in load_training_data(DATA).examples]
    texts += [t for t, _ in load_training_data(REPO_ROOT / "tests" / "data" / "nlu_dev.yml").examples]
    return [normalize_text(t) for t in texts + ODD_TEXTS]


@pytest.mark.parametrize(
    "params",
    [
        {"analyzer": "word"},
        {"analyzer": "word", "min_ngram": 1, "max_ngram": 2},
        {"analyzer": "char_wb", "min_ngram": 1, "max_ngram": 3},
        {"analyzer": "char", "min_ngram": 1, "max_ngram": 3},
        {"analyzer": "char_wb", "min_ngram": 2, "max_ngram": 4, "lowercase": False},
    ],
)
def test_our_ngram_counts_are_scikit_learns(params):
    texts = _texts()
    tokenizer = JiebaTokenizer()
    tokens = [tokenizer.tokenize(t) for t in texts]
    ours = CountVectorsFeaturizer(**params)
    train = len(texts) // 2  # fitted on half: the other half has n-grams outside the vocabulary
    ours.fit(texts[:train], tokens[:train], [], {})
    if params["analyzer"] == "word":
        reference = CountVectorizer(
            analyzer="word",
            tokenizer=lambda x: x,
            preprocessor=lambda x: x,
            token_pattern=None,
            lowercase=False,
            ngram_range=(params.get("min_ngram", 1), params.get("max_ngram", 1)),
        )
        source: list = [[w.lower() for w in toks] for toks in tokens]
    else:
        reference = CountVectorizer(
            analyzer=params["analyzer"],
            lowercase=params.get("lowercase", True),
            ngram_range=(params["min_ngram"], params["max_ngram"]),
        )
        source = texts
    reference.fit(source[:train])
    assert ours.vocabulary == reference.vocabulary_
    expected = reference.transform(source)
    for index, (text, toks) in enumerate(zip(texts, tokens, strict=True)):
        row = expected.getrow(index)
        assert ours.counts(text, toks) == dict(zip(row.indices.tolist(), row.data.tolist(), strict=True)), (
            text
        )


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory):
    return load_or_train(CONFIG, DATA, tmp_path_factory.mktemp("models"))


def test_a_cached_parse_is_the_uncached_parse_and_cannot_be_spoiled(model):
    text = "老板拖欠我三个月工资，我能申请法律援助吗"
    first = model.parse(text)
    assert first == model.parse(text, cache=False)
    first.ranking.clear()
    first.entities.clear()
    again = model.parse(text)
    assert again == model.parse(text, cache=False)
    assert again.ranking and again.entities and again.also == ("ask_eligibility",)


def test_the_cache_keys_on_the_normalised_text_but_answers_with_the_text_as_written(model):
    plain = model.parse("转人工")
    wide = model.parse("  转人工 ")
    assert wide.text == "  转人工 " and wide.intent == plain.intent and wide.ranking == plain.ranking


def test_a_serving_process_trains_apart_and_parses_without_scikit_learn_or_scipy(tmp_path):
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from bot.nlu_service import load_serving_model\n"
        f"model = load_serving_model(Path({str(CONFIG)!r}), Path({str(DATA)!r}), Path({str(tmp_path)!r}))\n"
        "print(model.parse('老板拖欠工资三个月了 咋办啊').intent.name)\n"
        "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))\n"
    )
    temporary = tmp_path / "tmp"  # no jieba dictionary cache yet: the child builds it too
    temporary.mkdir()
    out = subprocess.run(
        [sys.executable, "-c", script],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
        env={**os.environ, "TMPDIR": str(temporary)},
    )
    assert out.stdout.splitlines()[-2:] == ["consult_labor", "[]"], out.stderr  # after the logs
    assert sorted(p.suffix for p in temporary.glob("legalaid-jieba-*")) == [".counts", ".marisa"]
    assert [p.name for p in tmp_path.glob("nlu-*.pkl")] == [f"nlu-{model_fingerprint(CONFIG, DATA)}.pkl"]


async def test_the_service_parses_through_the_cache(model):
    nlu = BuiltinNlu(model)
    first = await nlu.parse("你好")
    assert first.intent.name == "greet" and (await nlu.parse("你好")) == first
