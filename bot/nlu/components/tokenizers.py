"""Tokenizers: Chinese word segmentation with jieba (Rasa's JiebaTokenizer)."""

from __future__ import annotations

import logging
from typing import Any


class Tokenizer:
    def __init__(self, **params: Any) -> None:
        self.params = params

    def tokenize(self, text: str) -> list[str]:
        raise NotImplementedError


class JiebaTokenizer(Tokenizer):
    """jieba's precise mode; its dictionary loads once per process (about a second)."""

    def __init__(self, **params: Any) -> None:
        super().__init__(**params)
        import jieba

        jieba.setLogLevel(logging.WARNING)
        self._jieba = jieba.Tokenizer()
        dictionary = params.get("dictionary_path")
        if dictionary:
            self._jieba.load_userdict(str(dictionary))
        self._jieba.initialize()

    def tokenize(self, text: str) -> list[str]:
        return [t for t in self._jieba.lcut(text) if t.strip()]

    def __getstate__(self) -> dict[str, Any]:
        return {"params": self.params}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(**state["params"])  # type: ignore[misc]


class WhitespaceTokenizer(Tokenizer):
    def tokenize(self, text: str) -> list[str]:
        return text.split()
