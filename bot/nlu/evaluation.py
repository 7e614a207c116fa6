"""Evaluation like `rasa test nlu`: accuracy, macro-F1, per-intent scores, confusions, errors."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from bot.nlu.parse import Parse


@dataclass(frozen=True, slots=True)
class Evaluation:
    report: dict[str, Any]

    @property
    def accuracy(self) -> float:
        return float(self.report["accuracy"])

    @property
    def macro_f1(self) -> float:
        return float(self.report["macro avg"]["f1-score"])

    def summary(self) -> str:
        lines = [
            f"examples: {self.report['examples']}   accuracy: {self.accuracy:.4f}   macro-F1: {self.macro_f1:.4f}",
            f"{'intent':30s} {'precision':>9s} {'recall':>7s} {'f1':>7s} {'support':>8s}",
        ]
        for name, row in sorted(self.report["intents"].items()):
            lines.append(
                f"{name:30s} {row['precision']:9.3f} {row['recall']:7.3f} {row['f1-score']:7.3f} {row['support']:8d}"
            )
        if self.report["confusions"]:
            lines.append("most frequent confusions (true -> predicted: count):")
            lines += [
                f"  {c['true']} -> {c['predicted']}: {c['count']}" for c in self.report["confusions"][:15]
            ]
        return "\n".join(lines)


def evaluate(examples: list[tuple[str, str]], parse: Callable[[str], Parse]) -> Evaluation:
    """Parse every (text, intent) example and score it; fallbacks count as wrong answers."""
    truth: list[str] = []
    predicted: list[str] = []
    errors: list[dict[str, Any]] = []
    for text, intent in examples:
        result = parse(text)
        truth.append(intent)
        predicted.append(result.intent.name)
        if result.intent.name != intent:
            errors.append(
                {
                    "text": text,
                    "intent": intent,
                    "intent_prediction": result.intent.name,
                    "confidence": round(result.intent.confidence, 4),
                }
            )
    labels = sorted(set(truth))
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=labels, zero_division=0
    )
    per_intent = {
        name: {"precision": float(p), "recall": float(r), "f1-score": float(f), "support": int(s)}
        for name, p, r, f, s in zip(labels, precision, recall, f1, support, strict=True)
    }
    confusions = Counter((t, p) for t, p in zip(truth, predicted, strict=True) if t != p)
    report = {
        "examples": len(examples),
        "accuracy": float(accuracy_score(truth, predicted)),
        "macro avg": {
            "precision": float(precision.mean()),
            "recall": float(recall.mean()),
            "f1-score": float(f1_score(truth, predicted, labels=labels, average="macro", zero_division=0)),
            "support": len(examples),
        },
        "weighted avg": {
            "f1-score": float(f1_score(truth, predicted, labels=labels, average="weighted", zero_division=0)),
            "support": len(examples),
        },
        "intents": per_intent,
        "confusions": [{"true": t, "predicted": p, "count": n} for (t, p), n in confusions.most_common()],
        "errors": errors,
    }
    return Evaluation(report)


def cross_validation_folds(
    examples: list[tuple[str, str]], folds: int, seed: int = 42
) -> list[tuple[list[tuple[str, str]], list[tuple[str, str]]]]:
    """Stratified folds: each intent's examples are spread evenly over the folds."""
    if folds < 2:
        raise ValueError("cross-validation needs at least 2 folds")
    by_intent: dict[str, list[tuple[str, str]]] = {}
    for example in examples:
        by_intent.setdefault(example[1], []).append(example)
    rng = random.Random(seed)
    buckets: list[list[tuple[str, str]]] = [[] for _ in range(folds)]
    for items in by_intent.values():
        shuffled = items[:]
        rng.shuffle(shuffled)
        for index, item in enumerate(shuffled):
            buckets[index % folds].append(item)
    return [([e for j, b in enumerate(buckets) if j != i for e in b], buckets[i]) for i in range(folds)]
