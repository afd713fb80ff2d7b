"""A Weights & Biases run file, `run-<id>.wandb`: what `wandb.init(mode="offline")` writes (and what
an online run keeps beside its upload), read without a server.

The file is a `:W&B` header followed by a LevelDB-style log: blocks of 32 KiB, each record with a
7-byte header (CRC-32, little-endian length, type: full, first, middle, last) and its payload
split across blocks when it does not fit. Each payload is a `Record` protocol buffer of wandb's
own schema (`wandb.proto.wandb_internal_pb2`), so reading needs wandb installed
(`pip install 'lossdoctor[wandb]'`); the history records carry one row of `run.log(...)` each,
as JSON values. Keras' `WandbMetricsLogger` logs `epoch/loss`, `epoch/val_loss`, `epoch/epoch`:
the `epoch/` prefix is dropped. wandb's own `_step`, `_runtime` and `_timestamp` are kept as
`step` only.
"""

from __future__ import annotations

import json
import os
import struct
import zlib

from ..core.errors import HistoryFormatError, InputFileError
from .history import History
from ._numbers import to_float
from .records import records_to_history
from ..core.i18n import t

HEADER = b":W&B"
HEADER_LEN = 7         # ":W&B", a 2-byte magic, a version byte
BLOCK = 32 * 1024
RECORD_HEADER = 7      # CRC-32, length (uint16), type
FULL, FIRST, MIDDLE, LAST = 1, 2, 3, 4


def is_wandb_path(path: str) -> bool:
    return str(path).endswith(".wandb") and os.path.isfile(path)


def payloads(data: bytes):
    """Every complete record payload of a LevelDB-style log (a corrupt or cut-short tail ends it)."""
    pos, pending = HEADER_LEN, None
    while pos + RECORD_HEADER <= len(data):
        left = BLOCK - pos % BLOCK
        if left < RECORD_HEADER:  # the rest of a block is padding
            pos += left
            continue
        crc, length, kind = struct.unpack_from("<IHB", data, pos)
        start, end = pos + RECORD_HEADER, pos + RECORD_HEADER + length
        if kind == 0 and length == 0 and crc == 0:  # zero padding
            pos += left
            continue
        if end > len(data) or end - (pos - pos % BLOCK) > BLOCK or kind not in (FULL, FIRST, MIDDLE, LAST):
            return
        chunk = data[start:end]
        if zlib.crc32(bytes([kind]) + chunk) & 0xFFFFFFFF != crc:
            return  # a record written half (the run was killed): what came before stands
        pos = end
        if kind == FULL:
            yield chunk
        elif kind == FIRST:
            pending = bytearray(chunk)
        elif pending is not None:
            pending += chunk
            if kind == LAST:
                yield bytes(pending)
                pending = None


def _key(item) -> str:
    key = item.key or "/".join(item.nested_key)
    return key[len("epoch/"):] if key.startswith("epoch/") else key


def rows(data: bytes) -> list[dict]:
    try:
        from wandb.proto import wandb_internal_pb2 as pb  # noqa: PLC0415
    except ImportError as err:
        raise HistoryFormatError(t("is a W&B run file; reading it needs wandb: pip install 'lossdoctor[wandb]'")) from err
    out = []
    for payload in payloads(data):
        record = pb.Record()
        try:
            record.ParseFromString(payload)
        except Exception:  # noqa: BLE001 - a record of a newer schema: skip it
            continue
        if record.WhichOneof("record_type") != "history":
            continue
        row = {}
        for item in record.history.item:
            key = _key(item)
            if key == "_step":
                key = "step"
            elif key.startswith("_"):
                continue
            try:
                row[key] = to_float(json.loads(item.value_json))
            except ValueError:
                continue
        if row:
            out.append(row)
    return out


def _read(path: str) -> bytes:
    from .formats import MAX_BYTES  # noqa: PLC0415

    try:
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise InputFileError(t("is {size} MiB, larger than the {mib} MiB lossdoctor reads; keep only the run you "
                                   "want diagnosed", size=f"{size / 2**20:.0f}", mib=f"{MAX_BYTES / 2**20:.0f}"))
        with open(path, "rb") as fh:
            return fh.read(MAX_BYTES + 1)
    except InputFileError:
        raise
    except OSError as err:
        raise InputFileError(t("cannot be read ({reason}); check the file", reason=err.strerror or err)) from err


def parse_path(path: str) -> History:
    data = _read(path)
    if not data.startswith(HEADER):
        raise HistoryFormatError(t("ends in .wandb but is not a W&B run file (no :W&B header)"))
    found = rows(data)
    if not found:
        raise HistoryFormatError(t("is a W&B run file with no logged metrics; was run.log() called?"))
    notes = [t("read a W&B run file (run-<id>.wandb): the rows of run.log()")]
    if all("epoch" in r for r in found):
        for r in found:
            r.pop("step", None)  # one row per epoch (Keras' WandbMetricsLogger): the epochs are the axis
    return records_to_history(found, path, "wandb", notes)
