"""The NLU pipeline named in config.yml (Rasa's format), built from the components we implement.

The same config.yml trains a real Rasa model, so every name here is a Rasa component name;
a name we do not implement is refused with a clear message instead of being ignored.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot.nlu.components.classifiers import (
    FallbackClassifier,
    LogisticRegressionClassifier,
    SklearnIntentClassifier,
)
from bot.nlu.components.featurizers import CountVectorsFeaturizer, RegexFeaturizer
from bot.nlu.components.tokenizers import JiebaTokenizer, WhitespaceTokenizer
from bot.nlu.parse import TrainingDataError, UnsupportedComponent

# Components that only name what our always-on entity extractor already does (bot/nlu/entities.py).
ENTITY_COMPONENTS = frozenset({"RegexEntityExtractor", "EntitySynonymMapper"})

COMPONENTS: dict[str, type] = {
    "JiebaTokenizer": JiebaTokenizer,
    "WhitespaceTokenizer": WhitespaceTokenizer,
    "CountVectorsFeaturizer": CountVectorsFeaturizer,
    "RegexFeaturizer": RegexFeaturizer,
    "LogisticRegressionClassifier": LogisticRegressionClassifier,
    "SklearnIntentClassifier": SklearnIntentClassifier,
    "FallbackClassifier": FallbackClassifier,
}


@dataclass(frozen=True, slots=True)
class ComponentSpec:
    name: str
    params: dict[str, Any]


@dataclass(frozen=True, slots=True)
class PipelineConfig:
    language: str
    components: list[ComponentSpec]
    path: Path

    def specs(self, kind: type) -> list[ComponentSpec]:
        return [c for c in self.components if c.name in COMPONENTS and issubclass(COMPONENTS[c.name], kind)]


def load_pipeline_config(path: Path) -> PipelineConfig:
    """Read and check config.yml; unknown components and a non-Chinese language are refused."""
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise TrainingDataError(f"{path}: file not found") from None
    except yaml.YAMLError as exc:
        raise TrainingDataError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("pipeline"), list):
        raise TrainingDataError(f"{path}: needs `language` and a `pipeline` list")
    language = str(doc.get("language", ""))
    if language != "zh":
        raise TrainingDataError(f"{path}: language must be 'zh' (found {language!r})")
    components: list[ComponentSpec] = []
    for position, item in enumerate(doc["pipeline"], start=1):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise TrainingDataError(f"{path}: pipeline item {position} needs a `name`")
        name = item["name"]
        if name not in COMPONENTS and name not in ENTITY_COMPONENTS:
            supported = ", ".join(sorted([*COMPONENTS, *ENTITY_COMPONENTS]))
            raise UnsupportedComponent(
                f"{path}: pipeline item {position}: {name!r} is not implemented by the built-in NLU "
                f"(supported: {supported}); use LEGALAID_NLU_BACKEND=rasa to run it on a Rasa server"
            )
        params = {k: v for k, v in item.items() if k != "name"}
        components.append(ComponentSpec(name, params))
    names = [c.name for c in components]
    if not any(
        issubclass(COMPONENTS.get(n, object), (LogisticRegressionClassifier, SklearnIntentClassifier))
        for n in names
    ):
        raise TrainingDataError(f"{path}: the pipeline has no intent classifier")
    return PipelineConfig(language=language, components=components, path=path)
