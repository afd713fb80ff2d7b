"""What a logged name says about its series: its words, its role (training, validation, test) and
the key it stands for. Shared by the readers (printed names) and the choice of series (`keys`).

    `Train Loss`, `TrainLoss`, `trn_loss`, `loss(train)`, `Loss/train` -> role train, key train_loss
    `Valid Loss`, `ValLoss`, `eval_loss`, `dev loss`, `Loss/val`       -> role val, key val_loss
    `test loss`                                                        -> role test, key test_loss
"""

from __future__ import annotations

import functools
import re

TRAIN_WORDS = {"train", "training", "trn", "tr", "训练", "训练集"}
VAL_WORDS = {"val", "valid", "validation", "validate", "validating", "eval", "evaluation", "evaluate", "evaluating", "dev",
             "验证", "验证集"}
TEST_WORDS = {"test", "testing", "测试", "测试集"}
FILLER = {"average", "avg", "mean", "epoch", "set", "on", "the", "is", "整体", "上的", "平均"}  # MindSpore: "loss is 0.12"
ZH_WORDS = r"(训练集|验证集|测试集|训练|验证|测试|损失|上的|整体|平均)"  # compiled on first use, by re's cache


@functools.lru_cache(maxsize=4096)
def tokens(name: str) -> tuple[str, ...]:
    """`loss(train)` -> (train, loss); `TrainLoss` -> (train, loss); `val_loss` -> (val, loss)."""
    name = re.sub(r"(\w+)\((\w+)\)", r"\2 \1", name)
    name = re.sub(r"(?<=[a-z])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name)
    name = re.sub(ZH_WORDS, r" \1 ", name) if not name.isascii() else name
    return tuple(w for w in re.split(r"[^0-9a-z\u4e00-\u9fff]+", name.lower()) if w)


def role_of(words) -> str | None:
    words = set(words)
    if words & VAL_WORDS:
        return "val"
    if words & TEST_WORDS:
        return "test"
    if words & TRAIN_WORDS:
        return "train"
    return None


@functools.lru_cache(maxsize=4096)
def canonical(name: str, context: str | None) -> tuple[str, bool]:
    """The key a printed name stands for (`loss`, `val_loss`, `test_acc`, ...), and whether the
    name itself says its role (else it took the line's, or none)."""
    words = tokens(name)
    own = role_of(words)
    if len(words) > 1 and words[-2:] == ("loss", "value"):  # Megatron's "lm loss value: 5.12" (not RL's "value loss")
        words = words[:-1]
    base = [w for w in words if w not in TRAIN_WORDS | VAL_WORDS | TEST_WORDS | FILLER] or ["loss"]
    base = ["loss" if w == "损失" else w for w in base]
    key = "_".join(base)
    role = own or context
    prefix = {"val": "val_", "test": "test_", "train": "train_"}.get(role, "")
    return prefix + key, own is not None
