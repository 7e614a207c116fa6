"""The built-in NLU: training data, config.yml, the model, and POST /nlu/parse as Rasa's API."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.evaluation import cross_validation_folds, evaluate
from bot.nlu.parse import FALLBACK_INTENT, TrainingDataError, UnsupportedComponent
from bot.nlu.pipeline import load_pipeline_config
from bot.nlu.training_data import load_training_data
from bot.nlu_service import load_or_train
from bot.settings import REPO_ROOT

CONFIG = REPO_ROOT / "config.yml"
DATA = REPO_ROOT / "nlu_data"
DEV = REPO_ROOT / "tests" / "data" / "nlu_dev.yml"
# Written blind to the training data: long, mixed and boundary messages (see its header).
HARD = REPO_ROOT / "tests" / "data" / "nlu_hard.yml"
INTENTS = {
    "greet", "goodbye", "affirm", "deny", "thank", "help", "ask_eligibility", "apply_legal_aid",
    "ask_materials", "ask_progress", "ask_office_info", "request_human", "complain", "consult_labor",
    "consult_family", "consult_personal_injury", "consult_criminal", "consult_social_assistance",
    "consult_state_compensation", "consult_administrative", "consult_civil_other", "out_of_scope",
}  # fmt: skip


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory):
    return load_or_train(CONFIG, DATA, tmp_path_factory.mktemp("models"))


def test_training_data_covers_every_intent_with_enough_examples():
    data = load_training_data(DATA)
    counts: dict[str, int] = {}
    for _, intent in data.examples:
        counts[intent] = counts.get(intent, 0) + 1
    assert set(counts) == INTENTS
    assert min(counts.values()) >= 60
    assert {name for name, _ in data.regexes} >= {"phone_number", "id_number", "money"}
    assert "昆都仑区" in data.lookups["district"]


def test_the_dev_set_is_never_trained_on():
    train = {text for text, _ in load_training_data(DATA).examples}
    dev = load_training_data(DEV)
    assert len(dev.examples) >= 22 * 20
    assert not train & {text for text, _ in dev.examples}


def test_the_hard_set_is_never_trained_on():
    train = {text for text, _ in load_training_data(DATA).examples}
    hard = load_training_data(HARD)
    assert len(hard.examples) >= 150
    assert not train & {text for text, _ in hard.examples}


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("nlu: [1, 2]", "must be a mapping"),
        ('version: "3.1"\nnlu:\n- intent: greet\n  examples: "你好"\n', "does not start with '- '"),
        (
            'version: "3.1"\nnlu:\n- intent: greet\n  synonym: x\n  examples: |\n    - 你好\n',
            "exactly one of",
        ),
        ('version: "3.1"\nnlu:\n- regex: phone\n  examples: |\n    - (unclosed\n', "bad pattern"),
        ("nlu: [", "not valid YAML"),
    ],
)
def test_a_broken_training_file_is_refused_naming_the_file(tmp_path: Path, content: str, complaint: str):
    bad = tmp_path / "broken.yml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(TrainingDataError) as err:
        load_training_data(bad)
    assert "broken.yml" in str(err.value) and complaint in str(err.value)


def test_a_component_we_do_not_implement_is_refused_clearly(tmp_path: Path):
    config = tmp_path / "config.yml"
    config.write_text(
        "language: zh\npipeline:\n  - name: JiebaTokenizer\n  - name: DIETClassifier\n", "utf-8"
    )
    with pytest.raises(UnsupportedComponent) as err:
        load_pipeline_config(config)
    assert "DIETClassifier" in str(err.value) and "LEGALAID_NLU_BACKEND=rasa" in str(err.value)


def test_config_must_be_chinese(tmp_path: Path):
    config = tmp_path / "config.yml"
    config.write_text("language: en\npipeline:\n  - name: LogisticRegressionClassifier\n", "utf-8")
    with pytest.raises(TrainingDataError, match="language must be 'zh'"):
        load_pipeline_config(config)


def test_the_model_is_reused_until_data_or_config_change(tmp_path: Path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "nlu.yml").write_text((DATA / "nlu" / "smalltalk.yml").read_text("utf-8"), "utf-8")
    models = tmp_path / "models"
    first = load_or_train(CONFIG, data, models)
    again = load_or_train(CONFIG, data, models)
    assert again.fingerprint == first.fingerprint and again.trained_seconds == first.trained_seconds
    with (data / "nlu.yml").open("a", encoding="utf-8") as fh:
        fh.write("- intent: thank\n  examples: |\n    - 多谢多谢您嘞\n")
    changed = load_or_train(CONFIG, data, models)
    assert changed.fingerprint != first.fingerprint
    assert len(list(models.glob("nlu-*.pkl"))) == 1  # the stale model was removed


def test_held_out_dev_set_scores_high(model):
    result = evaluate(load_training_data(DEV).examples, model.parse)
    assert result.macro_f1 >= 0.92 and result.accuracy >= 0.92, result.summary()


def test_the_hard_set_of_mixed_and_boundary_messages_scores_high(model):
    result = evaluate(load_training_data(HARD).examples, model.parse)
    assert result.macro_f1 >= 0.94, result.summary()


@pytest.mark.parametrize(
    ("text", "main", "also"),
    [
        ("老板拖欠我三个月工资，我能申请法律援助吗", "consult_labor", "ask_eligibility"),
        ("你好 在吗 想问问离婚的事 他不同意离怎么办", "consult_family", "greet"),
        ("老板拖欠工资半年了，帮我转人工", "request_human", "consult_labor"),
    ],
)
def test_a_message_that_says_two_things_reports_both(model, text, main, also):
    parse = model.parse(text)
    assert parse.intent.name == main and also in parse.also
    assert parse.ranking[0].name == main  # the ranking agrees with the decision


def test_an_aid_question_about_ones_situation_stays_an_aid_question(model):
    parse = model.parse("我是农民工 申请法律援助要审查收入吗")
    assert parse.intent.name == "ask_eligibility"


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("老板拖欠工资三个月了 咋办啊", "consult_labor"),
        ("俺男人天天打俺 想离婚", "consult_family"),
        ("转人工", "request_human"),
        ("法律援助中心在哪 几点上班", "ask_office_info"),
        ("申请要带啥材料", "ask_materials"),
    ],
)
def test_typical_messages_get_their_intent(model, text, intent):
    assert model.parse(text).intent.name == intent


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "？？？", "……"])
def test_nothing_to_classify_is_nlu_fallback(model, text):
    assert model.parse(text).intent.name == FALLBACK_INTENT


def test_parse_json_has_rasas_shape(model):
    body = model.parse("我叫张三，电话13812345678，家里三口人，一个月四千多").to_json()
    assert set(body) == {"text", "intent", "entities", "intent_ranking"}
    assert set(body["intent"]) == {"name", "confidence"}
    assert body["intent_ranking"][0]["name"] == body["intent"]["name"]
    kinds = {e["entity"]: e for e in body["entities"]}
    assert kinds["phone_number"]["value"] == "13812345678"
    assert kinds["household_size"]["value"] == 3
    assert kinds["money"]["value"] == 4000 and kinds["money"]["approximate"] is True
    for entity in body["entities"]:
        assert set(entity) >= {"entity", "value", "start", "end", "extractor"}


def test_cross_validation_folds_are_stratified_and_disjoint():
    examples = load_training_data(DATA).examples
    folds = cross_validation_folds(examples, 5)
    assert len(folds) == 5
    for train, test in folds:
        assert not set(train) & set(test)
        assert len(train) + len(test) == len(examples)
        assert {i for _, i in test} == INTENTS
