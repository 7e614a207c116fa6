"""Reads Rasa 3 YAML training data: intents with examples, synonyms, regexes and lookup tables.

Validation comes first and names the file and block in every complaint, because a broken
training file must fail CI, not be skipped with a warning.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.nlu.parse import TrainingDataError

# Inline entity annotations Rasa allows in examples: [text](entity) and [text]{"entity": ...}
_ANNOTATION = re.compile(r"\[([^\]]+)\](?:\([^)]*\)|\{[^}]*\})")
_BLOCK_KEYS = ("intent", "synonym", "regex", "lookup")


@dataclass(slots=True)
class TrainingData:
    examples: list[tuple[str, str]] = field(default_factory=list)  # (text, intent)
    synonyms: dict[str, str] = field(default_factory=dict)  # variant -> canonical
    regexes: list[tuple[str, str]] = field(default_factory=list)  # (name, pattern)
    lookups: dict[str, list[str]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    @property
    def intents(self) -> list[str]:
        return sorted({intent for _, intent in self.examples})

    def merge(self, other: TrainingData) -> None:
        self.examples.extend(other.examples)
        self.synonyms.update(other.synonyms)
        self.regexes.extend(other.regexes)
        for name, values in other.lookups.items():
            self.lookups.setdefault(name, []).extend(values)
        self.files.extend(other.files)


def yaml_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if not path.exists():
        raise TrainingDataError(f"{path}: no such file or folder")
    return sorted(p for p in path.rglob("*") if p.suffix in (".yml", ".yaml"))


def load_training_data(path: Path) -> TrainingData:
    """Load one file or every YAML file below a folder (as `rasa train --data` does)."""
    data = TrainingData()
    for file in yaml_files(path):
        data.merge(_load_file(file))
    if not data.examples:
        raise TrainingDataError(f"{path}: no intent examples found")
    return data


def fingerprint(paths: list[Path]) -> str:
    """A hash of the files' bytes: the model is retrained when data or config change."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _load_file(file: Path) -> TrainingData:
    try:
        doc = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise TrainingDataError(f"{file}: not valid YAML: {exc}") from None
    data = TrainingData(files=[file])
    if doc is None:
        return data
    if not isinstance(doc, dict):
        raise TrainingDataError(f"{file}: the top level must be a mapping with `version` and `nlu`")
    blocks = doc.get("nlu") or []
    if not isinstance(blocks, list):
        raise TrainingDataError(f"{file}: `nlu` must be a list of blocks")
    for position, block in enumerate(blocks, start=1):
        _read_block(file, position, block, data)
    return data


def _read_block(file: Path, position: int, block: Any, data: TrainingData) -> None:
    where = f"{file}: nlu block {position}"
    if not isinstance(block, dict):
        raise TrainingDataError(f"{where}: must be a mapping")
    kinds = [k for k in _BLOCK_KEYS if k in block]
    if len(kinds) != 1:
        raise TrainingDataError(f"{where}: needs exactly one of {', '.join(_BLOCK_KEYS)}")
    kind = kinds[0]
    name = block[kind]
    if not isinstance(name, str) or not name.strip():
        raise TrainingDataError(f"{where}: `{kind}` must be a non-empty name")
    where = f"{file}: {kind} {name!r}"
    items = _example_lines(where, block.get("examples"))
    if kind == "intent":
        data.examples.extend((_ANNOTATION.sub(r"\1", item), name) for item in items)
    elif kind == "synonym":
        for item in items:
            data.synonyms[item] = name
    elif kind == "regex":
        for item in items:
            try:
                re.compile(item)
            except re.error as exc:
                raise TrainingDataError(f"{where}: bad pattern {item!r}: {exc}") from None
            data.regexes.append((name, item))
    else:
        data.lookups.setdefault(name, []).extend(items)


def _example_lines(where: str, examples: Any) -> list[str]:
    if not isinstance(examples, str):
        raise TrainingDataError(f"{where}: `examples` must be a block of `- ` lines")
    items = []
    for number, line in enumerate(examples.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("- "):
            raise TrainingDataError(f"{where}: example line {number} does not start with '- '")
        text = stripped[2:].strip()
        if text:
            items.append(text)
    if not items:
        raise TrainingDataError(f"{where}: no examples")
    return items
