"""Featurizers: Rasa's CountVectorsFeaturizer (word or character n-grams) and RegexFeaturizer.

Training fits the vocabulary with scikit-learn's CountVectorizer (its min_df, max_df and
max_features rules); a parse counts n-grams against that vocabulary here, in plain Python, so the
serving process never imports scikit-learn or SciPy (together ~90 MB of RSS per worker). The
n-grams are made exactly as CountVectorizer makes them; tests/unit/test_nlu_features.py holds the
two to the same counts.
"""

from __future__ import annotations

import re
from typing import Any

ANALYZERS = ("word", "char", "char_wb")
# A parse's features for one featurizer: column -> count (columns local to the featurizer).
Counts = dict[int, float]
_WHITE_SPACES = re.compile(r"\s\s+")  # CountVectorizer's own, for the character analyzers


def _identity(tokens: list[str]) -> list[str]:
    return tokens


class Featurizer:
    size: int = 0

    def fit(
        self,
        texts: list[str],
        tokens: list[list[str]],
        regexes: list[tuple[str, str]],
        lookups: dict[str, list[str]],
    ) -> None:
        raise NotImplementedError

    def counts(self, text: str, tokens: list[str]) -> Counts:
        raise NotImplementedError


class CountVectorsFeaturizer(Featurizer):
    """Bag of n-grams: over jieba tokens (`analyzer: word`) or characters (`char`, `char_wb`)."""

    def __init__(self, **params: Any) -> None:
        analyzer = params.get("analyzer", "word")
        if analyzer not in ANALYZERS:
            raise ValueError(f"CountVectorsFeaturizer: analyzer must be one of {ANALYZERS}")
        self.analyzer = analyzer
        self.ngrams = (int(params.get("min_ngram", 1)), int(params.get("max_ngram", 1)))
        self.lowercase = bool(params.get("lowercase", True))
        self.limits: dict[str, Any] = {
            "min_df": params.get("min_df", 1),
            "max_df": params.get("max_df", 1.0),
            "max_features": params.get("max_features"),
        }
        self.vocabulary: dict[str, int] = {}

    def fit(
        self,
        texts: list[str],
        tokens: list[list[str]],
        regexes: list[tuple[str, str]],
        lookups: dict[str, list[str]],
    ) -> None:
        from sklearn.feature_extraction.text import CountVectorizer  # training only

        vectorizer = CountVectorizer(
            analyzer=self.analyzer,
            tokenizer=_identity,
            preprocessor=_identity,
            token_pattern=None,
            lowercase=False,
            ngram_range=self.ngrams,
            **self.limits,
        )
        if self.analyzer != "word":
            vectorizer = CountVectorizer(
                analyzer=self.analyzer, lowercase=self.lowercase, ngram_range=self.ngrams, **self.limits
            )
        source: list[Any] = [self._words(t) for t in tokens] if self.analyzer == "word" else texts
        vectorizer.fit(source)
        self.vocabulary = {str(term): int(column) for term, column in vectorizer.vocabulary_.items()}
        self.size = len(self.vocabulary)

    def counts(self, text: str, tokens: list[str]) -> Counts:
        grams = self._word_ngrams(self._words(tokens)) if self.analyzer == "word" else self._char_ngrams(text)
        out: Counts = {}
        vocabulary = self.vocabulary
        for gram in grams:
            column = vocabulary.get(gram)
            if column is not None:
                out[column] = out.get(column, 0.0) + 1.0
        return out

    @staticmethod
    def _words(tokens: list[str]) -> list[str]:
        return [t.lower() for t in tokens]

    def _word_ngrams(self, words: list[str]) -> list[str]:
        low, high = self.ngrams
        if (low, high) == (1, 1):
            return words
        return [" ".join(words[i : i + n]) for n in range(low, high + 1) for i in range(len(words) - n + 1)]

    def _char_ngrams(self, text: str) -> list[str]:
        """CountVectorizer's `char` and `char_wb` analyzers, after its lowercasing."""
        text = _WHITE_SPACES.sub(" ", text.lower() if self.lowercase else text)
        low, high = self.ngrams
        if self.analyzer == "char":
            return [
                text[i : i + n]
                for n in range(low, min(high, len(text)) + 1)
                for i in range(len(text) - n + 1)
            ]
        grams: list[str] = []
        for word in text.split():
            padded = f" {word} "
            for n in range(low, high + 1):
                if len(padded) <= n:  # a word no longer than n counts once, whole
                    grams.append(padded)
                    break
                grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
        return grams


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
        self.size = len(self.patterns)

    def counts(self, text: str, tokens: list[str]) -> Counts:
        return {column: 1.0 for column, pattern in enumerate(self.patterns) if pattern.search(text)}
