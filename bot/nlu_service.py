"""The NLU backends the dialogue talks to: the built-in model, or a Rasa server by setting."""

from __future__ import annotations

import asyncio
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import aiohttp
import structlog

from bot.nlu.components.jieba_dictionary import is_cached
from bot.nlu.components.tokenizers import shared_jieba
from bot.nlu.entities import EntityExtractor
from bot.nlu.model import MODEL_FORMAT, NluModel, load_model, train_model
from bot.nlu.parse import NluUnavailable, Parse
from bot.nlu.pipeline import load_pipeline_config
from bot.nlu.training_data import fingerprint, load_training_data, yaml_files

log = structlog.get_logger(__name__)


def model_fingerprint(config_path: Path, data_path: Path) -> str:
    return fingerprint([config_path, *yaml_files(data_path)]) + f"-f{MODEL_FORMAT}"


def saved_model(config_path: Path, data_path: Path, model_dir: Path) -> NluModel | None:
    """The saved model when it matches the data and config, else None."""
    stamp = model_fingerprint(config_path, data_path)
    model = load_model(model_dir / f"nlu-{stamp}.pkl")
    return model if model is not None and model.fingerprint == stamp else None


def load_or_train(
    config_path: Path, data_path: Path, model_dir: Path, progress: Callable[[str], None] | None = None
) -> NluModel:
    """The saved model when it matches the data and config; otherwise train and save a new one."""
    model = saved_model(config_path, data_path, model_dir)
    if model is not None:
        return model
    stamp = model_fingerprint(config_path, data_path)
    path = model_dir / f"nlu-{stamp}.pkl"
    log.info("nlu_training", reason="missing or stale model")
    config = load_pipeline_config(config_path)
    data = load_training_data(data_path)
    model = train_model(config, data, stamp, progress)
    model.save(path)
    for old in model_dir.glob("nlu-*.pkl"):
        if old != path:
            old.unlink(missing_ok=True)
    log.info("nlu_trained", seconds=round(model.trained_seconds, 2), intents=len(model.intents))
    return model


class BuiltinNlu:
    """The in-process model: a parse is a few milliseconds of CPU, so it runs inline."""

    def __init__(self, model: NluModel) -> None:
        self.model = model

    async def parse(self, text: str) -> Parse:
        return self.model.parse(text)

    async def status(self) -> str:
        return f"builtin ({self.model.fingerprint}, {len(self.model.intents)} intents)"


class RasaNlu:
    """A Rasa server's /model/parse; any failure or slowness is NluUnavailable, never a guess."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        token: str | None,
        timeout: float,
        entities: EntityExtractor | None = None,
    ) -> None:
        self._session = session
        self._url = url.rstrip("/")
        self._token = token
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._entities = entities

    def _params(self) -> dict[str, str]:
        return {"token": self._token} if self._token else {}

    async def parse(self, text: str) -> Parse:
        try:
            async with self._session.post(
                f"{self._url}/model/parse", json={"text": text}, params=self._params(), timeout=self._timeout
            ) as resp:
                if resp.status != 200:
                    raise NluUnavailable(f"Rasa answered HTTP {resp.status}")
                body: dict[str, Any] = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise NluUnavailable(f"Rasa unreachable: {type(exc).__name__}") from None
        parse = Parse.from_json(body)
        if self._entities is None:
            return parse
        # Rasa's regex extractor does not read Chinese numerals; ours adds what Rasa did not find.
        taken = {(e.get("start"), e.get("end")) for e in parse.entities}
        extra = [e.to_json() for e in self._entities.extract(text) if (e.start, e.end) not in taken]
        return Parse(
            text=parse.text, intent=parse.intent, entities=[*parse.entities, *extra], ranking=parse.ranking
        )

    async def status(self) -> str:
        try:
            async with self._session.get(
                f"{self._url}/status", params=self._params(), timeout=self._timeout
            ) as resp:
                if resp.status != 200:
                    raise NluUnavailable(f"Rasa status HTTP {resp.status}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise NluUnavailable(f"Rasa unreachable: {type(exc).__name__}") from None
        return f"rasa ({self._url})"


def entity_extractor(data_path: Path) -> EntityExtractor:
    """Entities for the Rasa backend, from the same regexes, lookups and synonyms."""
    data = load_training_data(data_path)
    return EntityExtractor(data.regexes, data.lookups, data.synonyms)


def _prepare(config_path: Path, data_path: Path, model_dir: Path) -> None:
    shared_jieba()  # builds jieba's dictionary cache when missing
    load_or_train(config_path, data_path, model_dir)


def load_serving_model(config_path: Path, data_path: Path, model_dir: Path) -> NluModel:
    """The saved model; a stale or missing one is trained in a separate process first.

    Training needs scikit-learn and SciPy (~90 MB of RSS that Python never gives back), and
    building jieba's dictionary cache leaves ~20 MB of heap behind; a parse needs neither, so a
    server that has to do either does it in a child process and then loads the saved files like
    any other worker.
    """
    model = saved_model(config_path, data_path, model_dir) if is_cached() else None
    if model is not None:
        return model
    spawn = multiprocessing.get_context("spawn")  # a fresh interpreter, not a copy of this one
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as trainer:
        trainer.submit(_prepare, config_path, data_path, model_dir).result()
    model = saved_model(config_path, data_path, model_dir)
    if model is None:
        raise NluUnavailable(f"the NLU model trained in {model_dir} could not be loaded")
    return model


async def load_builtin(config_path: Path, data_path: Path, model_dir: Path) -> BuiltinNlu:
    """Load (or train apart) in a thread so the event loop stays free while jieba loads."""
    model = await asyncio.to_thread(load_serving_model, config_path, data_path, model_dir)
    return BuiltinNlu(model)
