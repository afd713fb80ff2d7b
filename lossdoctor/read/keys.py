"""Which series are the training loss and the validation loss: the candidates are data."""

from __future__ import annotations

from ..core.errors import MissingSeriesError
from .history import History
from ..core.i18n import t
from .names import canonical, role_of, tokens

TRAIN_CANDIDATES = ("loss", "train_loss", "train_loss_epoch", "training_loss", "train/loss",
                    "train_loss_step", "loss_epoch", "loss_step", "mean_loss", "tr_loss",
                    "训练损失", "训练集损失")
VAL_CANDIDATES = ("val_loss", "eval_loss", "valid_loss", "validation_loss", "val/loss",
                  "val_loss_epoch", "dev_loss", "eval/loss", "验证损失", "验证集损失")


def _val_twins(train_key: str) -> list[str]:
    """Validation names that pair with a training key: val_<key>, train→val, train/→val/.

    A Lightning `_step`/`_epoch` suffix is the granularity, not the split: `train_loss_step`
    pairs with `val_loss_step`, `val_loss` or `val_loss_epoch`, never with `train_loss_epoch`.
    """
    bases = [train_key]
    for suffix in ("_step", "_epoch"):
        if train_key.endswith(suffix):
            bases.append(train_key[: -len(suffix)])
    twins = []
    for key in bases:
        twins += [f"val_{key}", f"eval_{key}"]
        for a, b in (("train_", "val_"), ("train/", "val/"), ("training_", "validation_"), ("train", "val")):
            if a in key:
                twins.append(key.replace(a, b, 1))
    if len(bases) > 1:
        twins += [f"{t}_epoch" for t in twins]
    return [t for t in dict.fromkeys(twins) if _is_val(t)]


def _is_val(key: str) -> bool:
    return (key.lower().startswith(("val", "eval", "valid", "test", "dev", "验证", "测试"))
            or role_of(tokens(key)) in ("val", "test"))


def _by_role(history: History, role: str) -> str | None:
    """A loss whose name says its role in any spelling (`Loss/train`, `loss_valid`, `TrainLoss`)."""
    want = {"train": ("train_loss",), "val": ("val_loss",), "test": ("test_loss",)}[role]
    return next((k for k in history.keys if canonical(k, None)[0] in want), None)


def _val_candidates(history: History, train_key: str):
    """The validation names to try, in order; the search by role (which tokenises every key, and
    compiles its patterns on first use) only when no usual name is there."""
    yield from _val_twins(train_key)
    yield from VAL_CANDIDATES
    yield _by_role(history, "val")


def _other_loss(history: History) -> str | None:
    """A loss-like training key with a validation twin (YOLO's train/box_loss), else any loss-like key."""
    losses = [k for k in history.keys if "loss" in k.lower() and not _is_val(k)]
    paired = [k for k in losses if any(t in history for t in _val_twins(k) if t != k)]
    return (paired or losses or [None])[0]


def _missing(history: History, what: str, fix: str) -> MissingSeriesError:
    keys = ", ".join(history.keys) or t("none")
    return MissingSeriesError(t("{what}; available keys: {keys}. {fix}", what=what, keys=keys, fix=fix))


def _as_shown(history: History, key: str | None) -> str | None:
    """A key as the user typed it: a logged name with a control character in it is kept escaped
    (`loss\\x1b`), so its real spelling selects it too."""
    if key is None or key in history:
        return key
    from ..core.safe import printable  # noqa: PLC0415

    return printable(key) if printable(key) in history else key


def _unclear(history: History) -> MissingSeriesError:
    keys = ", ".join(repr(k) for k in history.roles_unclear)
    return MissingSeriesError(t("the log gives {keys} twice (on one line, or on two lines of every epoch) with nothing "
                                "to say which value is training and which validation; available keys: {available}. "
                                "Name them in the prints ('train_loss=... val_loss=...'), or choose with --train-key "
                                "and --val-key.", keys=keys, available=", ".join(history.keys)))


def resolve_keys(history: History, train_key: str | None = None,
                 val_key: str | None = None) -> tuple[str, str | None, list[str]]:
    """Choose the training and validation series.

    Args:
        history: the history to look in.
        train_key: the training series; by default the first of `TRAIN_CANDIDATES` present.
        val_key: the validation series; by default the twin of the training key
            (`val_<key>`), then the first of `VAL_CANDIDATES` present. None when absent.

    Returns:
        (train_key, val_key or None, notes saying which keys were chosen when not the defaults).

    Raises:
        MissingSeriesError: a requested key, or any training loss, is absent.
    """
    notes: list[str] = []
    train_key, val_key = _as_shown(history, train_key), _as_shown(history, val_key)
    if train_key is None and history.roles_unclear:
        raise _unclear(history)
    if train_key is not None and train_key not in history:
        raise _missing(history, t("no series {key}", key=repr(train_key)), t("Pass one of them with --train-key."))
    if train_key is None:
        present = [k for k in TRAIN_CANDIDATES if k in history]
        # an epoch-level training loss before a per-step one: trends are judged per epoch
        train_key = (next((k for k in present if not history[k].per_step), None) or next(iter(present), None)
                     or _by_role(history, "train") or _other_loss(history))
        if train_key is None:
            val_only = next((k for k in VAL_CANDIDATES if k in history), None)
            hint = (t("Only a validation loss ({key}) was logged: log the training loss too, or pass --train-key.",
                      key=repr(val_only)) if val_only else t("Pass the training loss with --train-key."))
            raise _missing(history, t("no training loss found"), hint)
        if train_key != "loss":
            notes.append(t("using {key} as the training loss", key=repr(train_key)))
    if val_key is not None:
        if val_key not in history:
            raise _missing(history, t("no series {key}", key=repr(val_key)), t("Pass one of them with --val-key."))
        return train_key, val_key, notes
    for k in _val_candidates(history, train_key):
        if k is not None and k in history and k != train_key:
            if k not in ("val_loss", f"val_{train_key}"):
                notes.append(t("using {key} as the validation loss", key=repr(k)))
            return train_key, k, notes
    for k in (f"test_{train_key}", "test_loss", _by_role(history, "test")):
        if k is not None and k in history and k != train_key:
            notes.append(t("using {key} as the validation loss (no validation series was logged); a test set that "
                           "is also used to choose the model is no longer a fair test", key=repr(k)))
            return train_key, k, notes
    unused = [k for k in history.keys if _is_val(k) and k != train_key]
    if unused:
        notes.append(t("no validation loss found; validation series logged: {keys} (pass one with --val-key to judge "
                       "it as the validation loss)", keys=", ".join(repr(k) for k in unused[:5])))
    return train_key, None, notes
