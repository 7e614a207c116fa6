"""Featurizers: Rasa's CountVectorsFeaturizer (word or character n-grams) and RegexFeaturizer."""

from __future__ import annotations

import re
from typing import Any

from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

ANALYZERS = ("word", "char", "char_wb")


def _identity(tokens: list[str]) -> list[str]:
    return tokens


class Featurizer:
    def fit(
        self,
        texts: list[str],
        tokens: list[list[str]],
        regexes: list[tuple[str, str]],
        lookups: dict[str, list[str]],
    ) -> None:
        raise NotImplementedError

    def transform(self, texts: list[str], tokens: list[list[str]]) -> sparse.csr_matrix:
        raise NotImplementedError


class CountVectorsFeaturizer(Featurizer):
    """Bag of n-grams: over jieba tokens (`analyzer: word`) or characters (`char`, `char_wb`)."""

    def __init__(self, **params: Any) -> None:
        analyzer = params.get("analyzer", "word")
        if analyzer not in ANALYZERS:
            raise ValueError(f"CountVectorsFeaturizer: analyzer must be one of {ANALYZERS}")
        self.analyzer = analyzer
        ngrams = (int(params.get("min_ngram", 1)), int(params.get("max_ngram", 1)))
        common: dict[str, Any] = {
            "ngram_range": ngrams,
            "lowercase": bool(params.get("lowercase", True)),
            "min_df": params.get("min_df", 1),
            "max_df": params.get("max_df", 1.0),
            "max_features": params.get("max_features"),
            "dtype": "float64",
        }
        if analyzer == "word":
            self.vectorizer = CountVectorizer(
                analyzer="word",
                tokenizer=_identity,
                preprocessor=_identity,
                token_pattern=None,
                **{k: v for k, v in common.items() if k != "lowercase"},
                lowercase=False,
            )
        else:
            self.vectorizer = CountVectorizer(analyzer=analyzer, **common)

    def _input(self, texts: list[str], tokens: list[list[str]]) -> list[Any]:
        if self.analyzer == "word":
            return [[t.lower() for t in toks] for toks in tokens]
        return texts

    def fit(
        self,
        texts: list[str],
        tokens: list[list[str]],
        regexes: list[tuple[str, str]],
        lookups: dict[str, list[str]],
    ) -> None:
        self.vectorizer.fit(self._input(texts, tokens))

    def transform(self, texts: list[str], tokens: list[list[str]]) -> sparse.csr_matrix:
        return sparse.csr_matrix(self.vectorizer.transform(self._input(texts, tokens)))


class RegexFeaturizer(Featurizer):
    """One binary feature per regex and per lookup table: 'this message contains a phone number'."""

    def __init__(self, **params: Any) -> None:
        self.patterns: list[re.Pattern[str]] = []

    def fit(
        self,
        texts: list[str],
        tokens: list[list[str]],
        regexes: list[tuple[str, str]],
        lookups: dict[str, list[str]],
    ) -> None:
        self.patterns = [re.compile(p) for _, p in regexes]
        for values in lookups.values():
            alternatives = sorted((re.escape(v) for v in values), key=len, reverse=True)
            self.patterns.append(re.compile("|".join(alternatives)))

    def transform(self, texts: list[str], tokens: list[list[str]]) -> sparse.csr_matrix:
        rows = [[1.0 if p.search(text) else 0.0 for p in self.patterns] for text in texts]
        return sparse.csr_matrix(rows, shape=(len(texts), len(self.patterns)))
