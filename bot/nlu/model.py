"""Training, saving, loading and running the built-in NLU model."""

from __future__ import annotations

import os
import pickle
import re
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from bot.nlu.components.classifiers import FallbackClassifier, FeatureRow, IntentClassifier
from bot.nlu.components.featurizers import Featurizer
from bot.nlu.components.tokenizers import Tokenizer
from bot.nlu.entities import EntityExtractor
from bot.nlu.mixed_messages import clauses, read_mixed
from bot.nlu.parse import FALLBACK_INTENT, IntentScore, Parse, TrainingDataError
from bot.nlu.pipeline import COMPONENTS, PipelineConfig
from bot.nlu.training_data import TrainingData

# 2: featurizers keep their vocabulary only and the logistic weights are feature-major, so a
# loaded model needs neither scikit-learn nor SciPy (format 1 pickled CountVectorizers).
MODEL_FORMAT = 2
# Parses remembered per process, keyed by the normalised text: menu answers and stock phrases
# ("1", "转人工", "你好") repeat all day. An entry is a few hundred bytes.
READINGS_CACHED = 2048
# Text with nothing to classify: no CJK character, letter or digit (emoji, punctuation, blanks).
_MEANINGFUL = re.compile(r"[\w\u3400-\u9fff]")

Progress = Callable[[str], None]


def normalize_text(text: str) -> str:
    """Full-width letters and digits to half-width, so 'ＡＢＣ１２３' and 'ABC123' look alike."""
    return unicodedata.normalize("NFKC", text).strip()


@dataclass(frozen=True, slots=True)
class Reading:
    """What the classifier made of a normalised text: the same for every message that reads so."""

    intent: IntentScore
    ranking: tuple[IntentScore, ...]
    also: tuple[str, ...]


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

    # The per-process cache of readings; never pickled (save() clears it), made on first use.
    _readings: Callable[[str], Reading] | None = field(default=None, init=False, repr=False, compare=False)

    def features(self, texts: list[str]) -> list[FeatureRow]:
        """Each text's non-zero features (all featurizers side by side), columns in order."""
        rows = []
        for text in texts:
            normalized = normalize_text(text)
            tokens = self.tokenizer.tokenize(normalized)
            counts: dict[int, float] = {}
            offset = 0
            for featurizer in self.featurizers:
                for column, count in featurizer.counts(normalized, tokens).items():
                    counts[offset + column] = count
                offset += featurizer.size
            columns = sorted(counts)
            rows.append(
                (np.array(columns, dtype=np.intp), np.array([counts[c] for c in columns], dtype=np.float64))
            )
        return rows

    def parse(self, text: str, *, cache: bool = True) -> Parse:
        """Entities from the text as written; the intents from its normalised form, remembered."""
        entities = [e.to_json() for e in self.entities.extract(text)]
        if not _MEANINGFUL.search(text):
            return Parse(text=text, intent=IntentScore(FALLBACK_INTENT, 1.0), entities=entities, ranking=[])
        if cache and self._readings is None:
            self._readings = lru_cache(maxsize=READINGS_CACHED)(self.reading)
        reading = (self._readings if cache and self._readings else self.reading)(normalize_text(text))
        # A new Parse and list every time: a caller that edits its parse never edits the cache.
        return Parse(
            text=text,
            intent=reading.intent,
            entities=entities,
            ranking=list(reading.ranking),
            also=reading.also,
        )

    def reading(self, normalized: str) -> Reading:
        """The intent, ranking and other intents of a normalised text (immutable, so cacheable)."""
        parts = [part for part in clauses(normalized) if _MEANINGFUL.search(part)]
        rankings = self.classifier.rank(
            self.features([normalized, *parts] if len(parts) > 1 else [normalized])
        )
        ranking = rankings[0]
        intent = self.decide(ranking)
        also: tuple[str, ...] = ()
        if len(parts) > 1:  # one pass scores the whole message and its clauses together
            mixed = read_mixed(normalized, intent, ranking, rankings[1:], self.decide)
            intent, also = mixed.main, mixed.also
        if intent.name == FALLBACK_INTENT:
            ranking = [intent, *ranking]
        elif intent.name != ranking[0].name:  # a problem found in a clause leads the ranking
            ranking = [intent, *[s for s in ranking if s.name != intent.name]]
        return Reading(intent, tuple(ranking), also)

    def decide(self, ranking: list[IntentScore]) -> IntentScore:
        return self.fallback.decide(ranking) if self.fallback else ranking[0]

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # One temporary file per process: workers started together may each train and save at once.
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with tmp.open("wb") as fh:
            pickle.dump(replace(self), fh, protocol=pickle.HIGHEST_PROTOCOL)  # without the cache
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
    say(f"fitting {type(classifier).__name__}")
    model = NluModel(
        fingerprint=fingerprint,
        tokenizer=tokenizer,
        featurizers=featurizers,
        classifier=classifier,
        fallback=fallback,
        entities=EntityExtractor(data.regexes, data.lookups, data.synonyms),
        intents=sorted(set(intents)),
        trained_seconds=0.0,
    )
    classifier.fit(model.features(texts), sum(f.size for f in featurizers), intents)
    model.trained_seconds = time.perf_counter() - started
    say("done")
    return model
