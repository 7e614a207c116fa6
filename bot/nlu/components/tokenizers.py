"""Tokenizers: Chinese word segmentation with jieba (Rasa's JiebaTokenizer)."""

from __future__ import annotations

import logging
import threading
from typing import Any

_shared: dict[str, Any] = {}
_shared_lock = threading.Lock()


def shared_jieba(dictionary: str | None = None) -> Any:
    """One loaded jieba per dictionary and process, its words in a memory-mapped trie
    (bot/nlu/components/jieba_dictionary.py: a few MB where stock jieba holds ~70 MB)."""
    name = dictionary or ""
    with _shared_lock:
        if name not in _shared:
            import jieba

            from bot.nlu.components.jieba_dictionary import load_compact_jieba

            jieba.setLogLevel(logging.WARNING)
            tokenizer = load_compact_jieba()
            if dictionary:
                tokenizer.load_userdict(dictionary)
            _shared[name] = tokenizer
        return _shared[name]


def search_words(text: str) -> list[str]:
    """jieba's search mode (long words and their parts), what the transcripts' word index holds."""
    return list(shared_jieba().cut_for_search(text))


class Tokenizer:
    def __init__(self, **params: Any) -> None:
        self.params = params

    def tokenize(self, text: str) -> list[str]:
        raise NotImplementedError


class JiebaTokenizer(Tokenizer):
    """jieba's precise mode; its dictionary loads once per process (~0.1 s from its cached trie)."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        dictionary = params.get("dictionary_path")
        self._jieba = shared_jieba(str(dictionary) if dictionary else None)

    def tokenize(self, text: str) -> list[str]:
        return [t for t in self._jieba.lcut(text) if t.strip()]

    def __getstate__(self) -> dict[str, Any]:
        return {"params": self.params}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state["params"])  # type: ignore[misc]


class WhitespaceTokenizer(Tokenizer):
    def tokenize(self, text: str) -> list[str]:
        return text.split()
