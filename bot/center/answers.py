"""Answers by sub-topic (data/answers/<intent>.yml): "离婚" gets the divorce answer, not the family
intent's general text. The center edits the words that select each answer; a bad file stops the start.

Selection (`AnswerBook.select`), pure and in file order:
1. an answer is chosen when one of its keywords occurs in the message, not counting occurrences
   inside its `not_inside` words (抓 in 抓紧), and none of its `unless` words occurs;
2. when every answer a combination `covers` was chosen, the combination replaces them;
3. at most MAX_ANSWERS are given, in file order (the file puts the most urgent first);
4. nothing chosen: the caller says the intent's general text (texts.yml consult.<intent>).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from bot.center.data_files import read_data_file
from bot.errors import ConfigurationError

MAX_ANSWERS = 2
MAX_TEXT_CHARS = 220  # about two phone screens with the offer that follows
# "…" in a keyword: a few characters of the same clause in between (欠…工资 reads 老板欠了我三个月工资).
GAP_CHARS = 6
_GAP_MARK = re.compile(r"\.{3,}")  # NFKC turns … and …… into dots
_CLAUSE_BREAK = r",.!?;:、。~\s"
_MASK = "\x00"  # stands in for a not_inside word: matches no keyword and stops a gap
_LATIN = re.compile(r"[a-z0-9]")

Key = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Answer(BaseModel):
    model_config = ConfigDict(extra="forbid")
    key: Key
    text: Text
    keywords: list[Word] = Field(default_factory=list)
    not_inside: list[Word] = Field(default_factory=list)
    unless: list[Word] = Field(default_factory=list)
    covers: list[Key] = Field(default_factory=list)

    @model_validator(mode="after")
    def _keywords_or_covers(self) -> _Answer:
        if self.covers:
            if self.keywords or self.not_inside or self.unless:
                raise ValueError("a combination (covers) is chosen by the answers it covers: no keywords")
            if len(set(self.covers)) < 2:
                raise ValueError("covers names at least two different answers")
        elif not self.keywords:
            raise ValueError("keywords must name at least one word (or covers, for a combination)")
        return self


class _AnswersFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    answers: list[_Answer] = Field(min_length=1)


def normalize(text: str) -> str:
    """The form both keywords and messages are compared in: half-width, lower case."""
    return unicodedata.normalize("NFKC", text).lower()


def _compile(word: str) -> re.Pattern[str]:
    """A word as written in the file; … allows a few characters of the same clause between parts."""
    parts = _GAP_MARK.split(normalize(word))
    if any(not part.strip() for part in parts):
        raise ValueError(f"{word!r}: … goes between two words, like 欠…工资")
    if len("".join(parts)) < 2:
        raise ValueError(f"{word!r}: one character also fires inside other words; write two or more")
    gap = f"[^{_CLAUSE_BREAK}{_MASK}]{{0,{GAP_CHARS}}}"
    body = gap.join(re.escape(part) for part in parts)
    # Latin letters and digits have word boundaries (110 is not inside 1100); Chinese has none.
    before = "(?<![a-z0-9])" if _LATIN.match(parts[0][0]) else ""
    after = "(?![a-z0-9])" if _LATIN.match(parts[-1][-1]) else ""
    return re.compile(before + body + after)


@dataclass(frozen=True, slots=True)
class SubtopicAnswer:
    """One answer: its key, its text, and the words that choose it (or the answers it combines)."""

    key: str
    text: str
    keywords: tuple[re.Pattern[str], ...] = ()
    not_inside: tuple[re.Pattern[str], ...] = ()
    unless: tuple[re.Pattern[str], ...] = ()
    covers: frozenset[str] = frozenset()

    def chosen_by(self, message: str) -> bool:
        """`message` is normalized; a keyword inside a not_inside word does not count."""
        if any(p.search(message) for p in self.unless):
            return False
        for word in self.not_inside:
            message = word.sub(lambda m: _MASK * len(m.group()), message)
        return any(p.search(message) for p in self.keywords)


@dataclass(frozen=True, slots=True)
class AnswerBook:
    """Every intent's answers by sub-topic, in the order of its file."""

    by_intent: Mapping[str, tuple[SubtopicAnswer, ...]]

    def select(self, intent: str, text: str) -> tuple[SubtopicAnswer, ...]:
        """The answers for what the message raises; () when it raises none of them."""
        answers = self.by_intent.get(intent, ())
        message = normalize(text)
        chosen = [a for a in answers if not a.covers and a.chosen_by(message)]
        # The widest combination first; sorted() is stable, so ties keep file order.
        combinations = sorted((a for a in answers if a.covers), key=lambda a: -len(a.covers))
        for combination in combinations:
            keys = {a.key for a in chosen}
            if combination.covers <= keys:
                first = next(i for i, a in enumerate(chosen) if a.key in combination.covers)
                rest = [a for a in chosen if a.key not in combination.covers]
                chosen = [*rest[:first], combination, *rest[first:]]
        return tuple(chosen[:MAX_ANSWERS])

    def count(self) -> int:
        return sum(len(answers) for answers in self.by_intent.values())


def load_answers(directory: Path, intents: Collection[str], facts: Mapping[str, str]) -> AnswerBook:
    """Read data/answers/<intent>.yml for each intent answered with guidance; no directory, no answers.

    `intents` are the intents a file may be named after; `facts` fill {hotline} and the like."""
    if not directory.is_dir():
        return AnswerBook(MappingProxyType({}))
    if strays := sorted(directory.glob("*.yaml")):
        raise ConfigurationError(f"{strays[0]}: name it .yml, or it is never read")
    by_intent: dict[str, tuple[SubtopicAnswer, ...]] = {}
    for path in sorted(directory.glob("*.yml")):
        if path.stem not in intents:
            known = ", ".join(sorted(intents))
            raise ConfigurationError(
                f"{path}: {path.stem!r} is not an intent answered with guidance in dialogue.yml ({known})"
            )
        by_intent[path.stem] = _build(path, read_data_file(path, _AnswersFile), facts)
    return AnswerBook(MappingProxyType(by_intent))


def _build(path: Path, raw: _AnswersFile, facts: Mapping[str, str]) -> tuple[SubtopicAnswer, ...]:
    keys: set[str] = set()
    owner: dict[str, str] = {}  # normalized keyword -> the answer that has it
    built: list[SubtopicAnswer] = []
    for i, entry in enumerate(raw.answers):
        where = f"{path}: answers.{i} ({entry.key})"
        if entry.key in keys:
            raise ConfigurationError(f"{where}: key {entry.key!r} is used twice")
        keys.add(entry.key)
        for word in entry.keywords:
            other = owner.setdefault(normalize(word), entry.key)
            if other != entry.key or entry.keywords.count(word) > 1:
                raise ConfigurationError(f"{where}: keyword {word!r} is already {other}'s")
        if len(entry.text) > MAX_TEXT_CHARS:
            raise ConfigurationError(
                f"{where}: text has {len(entry.text)} characters; {MAX_TEXT_CHARS} at most"
            )
        try:
            text = entry.text.format_map(facts)
            answer = SubtopicAnswer(
                key=entry.key,
                text=text,
                keywords=tuple(_compile(w) for w in entry.keywords),
                not_inside=tuple(_compile(w) for w in entry.not_inside),
                unless=tuple(_compile(w) for w in entry.unless),
                covers=frozenset(entry.covers),
            )
        except KeyError as exc:
            raise ConfigurationError(f"{where}: text: unknown placeholder {exc}") from None
        except (ValueError, IndexError) as exc:
            raise ConfigurationError(f"{where}: {exc}") from None
        parts = {part for w in entry.keywords for part in _GAP_MARK.split(normalize(w))}
        for word in entry.not_inside:
            if not any(part in normalize(word) for part in parts):
                raise ConfigurationError(
                    f"{where}: not_inside {word!r} holds none of its keywords, so it changes nothing"
                )
        built.append(answer)
    plain = {a.key for a in built if not a.covers}
    seen: set[frozenset[str]] = set()
    for i, answer in enumerate(built):
        if not answer.covers:
            continue
        where = f"{path}: answers.{i} ({answer.key})"
        if unknown := sorted(answer.covers - plain):
            raise ConfigurationError(
                f"{where}: covers {', '.join(unknown)}, not an answer with keywords here"
            )
        if answer.covers in seen:
            raise ConfigurationError(f"{where}: another combination covers the same answers")
        seen.add(answer.covers)
    return tuple(built)
