"""jieba's dictionary in a compact trie instead of a Python dict.

Stock jieba keeps its 349 000 words and every prefix of them (498 000 keys) in a dict of Python
strings: ~72 MB of RSS in every process that segments text. Here the same words and counts live
in a MARISA trie (a few MB, memory-mapped from a cache file so workers on one host share its
pages) and an array of counts, and jieba's own algorithm runs unchanged on top: `CompactJieba`
subclasses `jieba.Tokenizer` and answers its dictionary look-ups from the trie, so every cut is
the one stock jieba makes (tests/integration/test_jieba_dictionary.py compares them). Any word
added at run time (a user dictionary) sits in a small dict beside the trie.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from array import array
from collections.abc import Iterator
from functools import lru_cache
from importlib.metadata import version
from math import log
from pathlib import Path
from typing import Any

import jieba
import marisa_trie

_COUNT = "q"  # one signed 64-bit count per word; the total is stored as the last item
# Runs of Chinese characters and letters that jieba cuts one at a time (its own patterns), and
# how many distinct runs each process remembers the cut of: a message's clauses are cut again
# after the whole message, and stock phrases recur all day. A run is a few words.
_RUN = jieba.re_han_default
_SKIP = jieba.re_skip_default
RUNS_CACHED = 8192


class TrieFrequencies:
    """jieba's FREQ mapping (word -> count; a prefix of a word -> 0) over the trie."""

    def __init__(self, trie: marisa_trie.Trie, counts: array[int]) -> None:
        self.trie = trie
        self.counts = counts
        self.added: dict[str, int] = {}  # words added at run time (add_word, load_userdict)

    def _is_prefix(self, key: str) -> bool:
        return next(self.trie.iterkeys(key), None) is not None

    def get(self, key: str, default: Any = None) -> Any:
        if self.added and key in self.added:
            return self.added[key]
        index = self.trie.get(key)
        if index is not None:
            return self.counts[index]
        return 0 if self._is_prefix(key) else default

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and ((key in self.added) or self._is_prefix(key))

    def __getitem__(self, key: str) -> int:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return int(value)

    def __setitem__(self, key: str, value: int) -> None:
        self.added[key] = value

    def __len__(self) -> int:
        return len(self.trie) + len(self.added)

    def __iter__(self) -> Iterator[str]:
        yield from self.trie.iterkeys()
        yield from self.added


class CompactJieba(jieba.Tokenizer):  # type: ignore[misc]
    """jieba.Tokenizer with its dictionary in a trie; the cutting code is jieba's own."""

    def __init__(self, trie: marisa_trie.Trie, counts: array[int], total: int) -> None:
        super().__init__()
        self.total = total
        self.FREQ = TrieFrequencies(trie, counts)
        self.initialized = True
        self._run_words = lru_cache(maxsize=RUNS_CACHED)(self._cut_run)

    def _cut_run(self, run: str) -> tuple[str, ...]:
        return tuple(self._Tokenizer__cut_DAG(run))

    def cut(
        self, sentence: str | bytes, cut_all: bool = False, HMM: bool = True, use_paddle: bool = False
    ) -> Iterator[str]:
        """jieba's precise mode with its HMM, each run's cut remembered; other modes are jieba's."""
        if cut_all or not HMM or use_paddle or self.FREQ.added:
            yield from super().cut(sentence, cut_all=cut_all, HMM=HMM, use_paddle=use_paddle)
            return
        text = sentence.decode("utf-8") if isinstance(sentence, bytes) else sentence
        for block in _RUN.split(text):
            if not block:
                continue
            if _RUN.match(block):
                yield from self._run_words(block)
                continue
            for piece in _SKIP.split(block):  # what lies between runs, as jieba yields it
                if _SKIP.match(piece):
                    yield piece
                else:
                    yield from piece

    def initialize(self, dictionary: str | None = None) -> None:
        """Loaded already: the trie replaces jieba's prefix dict and its cache file."""

    def get_DAG(self, sentence: str) -> dict[int, list[int]]:
        """The words starting at each position: what jieba's loop finds, from one trie walk."""
        if self.FREQ.added:  # run-time words are not in the trie: jieba's own loop sees them
            return dict(super().get_DAG(sentence))
        counts = self.FREQ.counts
        prefixes = self.FREQ.trie.iter_prefixes_with_ids
        dag: dict[int, list[int]] = {}
        for k in range(len(sentence)):
            ends = [k + len(word) - 1 for word, index in prefixes(sentence[k:]) if counts[index]]
            dag[k] = ends or [k]
        return dag

    def calc(self, sentence: str, DAG: dict[int, list[int]], route: dict[int, tuple[float, int]]) -> None:
        """jieba's best route through the DAG, its arithmetic unchanged, with direct look-ups."""
        if self.FREQ.added:
            super().calc(sentence, DAG, route)
            return
        trie, counts = self.FREQ.trie, self.FREQ.counts
        n = len(sentence)
        route[n] = (0, 0)
        logtotal = log(self.total)
        for idx in range(n - 1, -1, -1):
            best: tuple[float, int] | None = None
            for x in DAG[idx]:
                index = trie.get(sentence[idx : x + 1])
                candidate = (
                    log((counts[index] if index is not None else 0) or 1) - logtotal + route[x + 1][0],
                    x,
                )
                if best is None or candidate > best:
                    best = candidate
            assert best is not None
            route[idx] = best


def default_dictionary() -> Path:
    return Path(jieba.__file__).with_name("dict.txt")


def cache_files(dictionary: Path | None = None, cache_dir: Path | None = None) -> tuple[Path, Path]:
    """Where the trie and the counts of a dictionary are cached (named by its path, size and date,
    and by the versions of jieba and marisa-trie that read and wrote them)."""
    source = dictionary or default_dictionary()
    stat = source.stat()
    key = hashlib.sha256(
        f"{source.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{jieba.__version__}|{version('marisa-trie')}".encode()
    ).hexdigest()[:16]
    trie_path = (cache_dir or Path(tempfile.gettempdir())) / f"legalaid-jieba-{os.getuid()}-{key}.marisa"
    return trie_path, trie_path.with_suffix(".counts")


def is_cached(dictionary: Path | None = None, cache_dir: Path | None = None) -> bool:
    """Whether loading needs no build (a build leaves ~20 MB of heap behind in its process)."""
    return all(path.exists() for path in cache_files(dictionary, cache_dir))


def load_compact_jieba(dictionary: Path | None = None, cache_dir: Path | None = None) -> CompactJieba:
    """The trie for jieba's dictionary, built once into a cache file and memory-mapped after."""
    trie_path, counts_path = cache_files(dictionary, cache_dir)
    if not (trie_path.exists() and counts_path.exists()):
        _build(dictionary or default_dictionary(), trie_path, counts_path)
    trie = marisa_trie.Trie()
    trie.mmap(str(trie_path))
    counts = array(_COUNT)
    counts.frombytes(counts_path.read_bytes())
    total = counts.pop()
    return CompactJieba(trie, counts, total)


def _build(source: Path, trie_path: Path, counts_path: Path) -> None:
    """Read the dictionary as jieba's gen_pfdict does (a later line wins; every count adds to
    the total) and write the trie and counts atomically, so a concurrent worker never reads half."""
    frequencies: dict[str, int] = {}
    total = 0
    with source.open("rb") as lines:
        for number, raw in enumerate(lines, 1):
            line = raw.strip().decode("utf-8")
            try:
                word, count = line.split(" ")[:2]
                frequencies[word] = int(count)
            except ValueError:
                raise ValueError(f"invalid dictionary entry in {source} at line {number}: {line}") from None
            total += int(count)
    trie = marisa_trie.Trie(frequencies)
    counts = array(_COUNT, bytes(8 * (len(trie) + 1)))
    for word, index in trie.iteritems():
        counts[index] = frequencies[word]
    counts[len(trie)] = total
    trie_path.parent.mkdir(parents=True, exist_ok=True)
    suffix = f".{os.getpid()}.tmp"
    counts_tmp, trie_tmp = Path(str(counts_path) + suffix), Path(str(trie_path) + suffix)
    counts_tmp.write_bytes(counts.tobytes())
    trie.save(str(trie_tmp))
    os.replace(counts_tmp, counts_path)
    os.replace(trie_tmp, trie_path)
