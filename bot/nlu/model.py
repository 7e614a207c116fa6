"""Training, saving, loading and running the built-in NLU model."""

from __future__ import annotations

import os
import pickle
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scipy import sparse

from bot.nlu.components.classifiers import FallbackClassifier, IntentClassifier
from bot.nlu.components.featurizers import Featurizer
from bot.nlu.components.tokenizers import Tokenizer
from bot.nlu.entities import EntityExtractor
from bot.nlu.mixed_messages import clauses, read_mixed
from bot.nlu.parse import FALLBACK_INTENT, IntentScore, Parse, TrainingDataError
from bot.nlu.pipeline import COMPONENTS, PipelineConfig
from bot.nlu.training_data import TrainingData

MODEL_FORMAT = 1
# Text with nothing to classify: no CJK character, letter or digit (emoji, punctuation, blanks).
_MEANINGFUL = re.compile(r"[\w\u3400-\u9fff]")

Progress = Callable[[str], None]


def normalize_text(text: str) -> str:
    """Full-width letters and digits to half-width, so 'ＡＢＣ１２３' and 'ABC123' look alike."""
    return unicodedata.normalize("NFKC", text).strip()


@dataclass(slots=True)
class NluModel:
    """A trained pipeline: tokenizer → featurizers → intent classifier → fallback, plus entities."""

    fingerprint: str
    tokenizer: Tokenizer
    featurizers: list[Featurizer]
    classifier: IntentClassifier
    fallback: FallbackClassifier | None
    entities: EntityExtractor
    intents: list[str]
    trained_seconds: float
    model_format: int = MODEL_FORMAT

    def features(self, texts: list[str]) -> sparse.csr_matrix:
        normalized = [normalize_text(t) for t in texts]
        tokens = [self.tokenizer.tokenize(t) for t in normalized]
        return sparse.hstack([f.transform(normalized, tokens) for f in self.featurizers], format="csr")

    def parse(self, text: str) -> Parse:
        entities = [e.to_json() for e in self.entities.extract(text)]
        if not _MEANINGFUL.search(text):
            return Parse(text=text, intent=IntentScore(FALLBACK_INTENT, 1.0), entities=entities, ranking=[])
        parts = [part for part in clauses(normalize_text(text)) if _MEANINGFUL.search(part)]
        rankings = self.classifier.rank(self.features([text, *parts] if len(parts) > 1 else [text]))
        ranking = rankings[0]
        intent = self.decide(ranking)
        also: tuple[str, ...] = ()
        if len(parts) > 1:  # one pass scores the whole message and its clauses together
            reading = read_mixed(text, intent, ranking, rankings[1:], self.decide)
            intent, also = reading.main, reading.also
        if intent.name == FALLBACK_INTENT:
            ranking = [intent, *ranking]
        elif intent.name != ranking[0].name:  # a problem found in a clause leads the ranking
            ranking = [intent, *[s for s in ranking if s.name != intent.name]]
        return Parse(text=text, intent=intent, entities=entities, ranking=ranking, also=also)

    def decide(self, ranking: list[IntentScore]) -> IntentScore:
        return self.fallback.decide(ranking) if self.fallback else ranking[0]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One temporary file per process: workers started together may each train and save at once.
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(self, fh, protocol=pickle.HIGHEST_PROTOCOL)
        tmp.replace(path)  # atomic: a second worker never reads half a model


def load_model(path: Path) -> NluModel | None:
    """The saved model, or None when missing, unreadable or of an older format."""
    try:
        with path.open("rb") as fh:
            model = pickle.load(fh)  # noqa: S301 - our own file, written by train_model
    except (FileNotFoundError, pickle.UnpicklingError, EOFError, AttributeError, ModuleNotFoundError):
        return None
    if not isinstance(model, NluModel) or model.model_format != MODEL_FORMAT:
        return None
    return model


def _build(spec_name: str, params: dict[str, Any]) -> Any:
    return COMPONENTS[spec_name](**params)


def train_model(
    config: PipelineConfig, data: TrainingData, fingerprint: str, progress: Progress | None = None
) -> NluModel:
    """Fit every component in pipeline order on the training examples."""
    say = progress or (lambda _step: None)
    started = time.perf_counter()
    if len(data.intents) < 2:
        raise TrainingDataError("training data needs at least two intents")
    tokenizer: Tokenizer | None = None
    featurizers: list[Featurizer] = []
    classifier: IntentClassifier | None = None
    fallback: FallbackClassifier | None = None
    for spec in config.components:
        component = COMPONENTS.get(spec.name)
        if component is None:
            continue
        built = _build(spec.name, spec.params)
        if isinstance(built, Tokenizer):
            tokenizer = built
        elif isinstance(built, Featurizer):
            featurizers.append(built)
        elif isinstance(built, IntentClassifier):
            classifier = built
        elif isinstance(built, FallbackClassifier):
            fallback = built
    if tokenizer is None or not featurizers or classifier is None:
        raise TrainingDataError(
            f"{config.path}: the pipeline needs a tokenizer, a featurizer and a classifier"
        )
    say("tokenizing")
    texts = [normalize_text(t) for t, _ in data.examples]
    intents = [i for _, i in data.examples]
    tokens = [tokenizer.tokenize(t) for t in texts]
    for featurizer in featurizers:
        say(f"fitting {type(featurizer).__name__}")
        featurizer.fit(texts, tokens, data.regexes, data.lookups)
    features = sparse.hstack([f.transform(texts, tokens) for f in featurizers], format="csr")
    say(f"fitting {type(classifier).__name__}")
    classifier.fit(features, intents)
    say("done")
    return NluModel(
        fingerprint=fingerprint,
        tokenizer=tokenizer,
        featurizers=featurizers,
        classifier=classifier,
        fallback=fallback,
        entities=EntityExtractor(data.regexes, data.lookups, data.synonyms),
        intents=sorted(set(intents)),
        trained_seconds=time.perf_counter() - started,
    )
