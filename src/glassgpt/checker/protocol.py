"""What crosses between the checker and the process that runs the learner's file: messages as bytes.

A message is a dict of JSON values and tensors. The tensors travel together as one safetensors blob (a format that
holds numbers and names only: loading it runs no code) and the JSON names each one where it stands
(`{"$t": "t3"}`). A frame is MAGIC, the two lengths, the JSON, the blob.

Everything that comes back from the child is treated as hostile data, because the learner's code runs in that
process and can write anything to any descriptor it finds there: `decode` accepts a well-formed frame within the
size limits and nothing else (ProtocolError), and the checker reads each field it needs with `field`, which checks
its type. What a reply *says* is never trusted either: the checker compares the tensors it gets with its own.
"""

import json
import struct

import safetensors.torch
import torch

MAGIC = b"GGC1"
_HEADER = struct.Struct(">4sIQ")  # magic, JSON length, blob length
MAX_JSON = 1 << 22  # 4 MiB: the check's largest reply (a GPT's parameter names and shapes) takes a few KiB
MAX_BLOB = 1 << 28  # 256 MiB: the check's largest tensors (a small GPT's weights) take a few hundred KiB
_TENSOR = "$t"


class ProtocolError(Exception):
    """Bytes that are not a message, or a message without what it should hold."""


def encode(message: dict) -> bytes:
    tensors = {}

    def pack(value):
        if isinstance(value, torch.Tensor):
            name = f"t{len(tensors)}"
            # a plain, contiguous copy on the CPU: a subclass, a view or a shared storage travels as its numbers
            tensors[name] = torch.Tensor.as_subclass(value, torch.Tensor).detach().cpu().contiguous().clone()
            return {_TENSOR: name}
        if isinstance(value, dict):
            return {str(k): pack(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return [pack(v) for v in value]
        return value

    text = json.dumps(pack(message), allow_nan=True).encode("utf-8")
    blob = safetensors.torch.save(tensors) if tensors else b""
    return _HEADER.pack(MAGIC, len(text), len(blob)) + text + blob


def frame_length(buffer: bytes) -> int | None:
    """The length of the frame at the start of `buffer` once its header is in (None before); ProtocolError when
    the bytes there cannot start a frame."""
    if len(buffer) < _HEADER.size:
        if not MAGIC.startswith(bytes(buffer[:len(MAGIC)])):
            raise ProtocolError(f"bytes that are not a message: {bytes(buffer[:16])!r}")
        return None
    magic, text, blob = _HEADER.unpack_from(buffer)
    if magic != MAGIC:
        raise ProtocolError(f"bytes that are not a message: {bytes(buffer[:16])!r}")
    if text > MAX_JSON or blob > MAX_BLOB:
        raise ProtocolError(f"a message of {text + blob} bytes, past the limit")
    return _HEADER.size + text + blob


def decode(frame: bytes) -> dict:
    """The message in one whole frame (its length from `frame_length`)."""
    _, text_length, blob_length = _HEADER.unpack_from(frame)
    text = frame[_HEADER.size:_HEADER.size + text_length]
    blob = frame[_HEADER.size + text_length:]
    if len(blob) != blob_length:
        raise ProtocolError("a message cut short")
    try:
        message = json.loads(bytes(text).decode("utf-8"))
        tensors = safetensors.torch.load(bytes(blob)) if blob_length else {}
    except (ValueError, RecursionError, Exception) as e:  # safetensors raises its own error type
        raise ProtocolError(f"a message that does not parse ({type(e).__name__})") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message that is not a dict")

    def unpack(value, depth=0):
        if depth > 32:
            raise ProtocolError("a message nested too deep")
        if isinstance(value, dict):
            if set(value) == {_TENSOR}:
                if value[_TENSOR] not in tensors:
                    raise ProtocolError("a message naming a tensor it does not hold")
                return tensors[value[_TENSOR]]
            return {k: unpack(v, depth + 1) for k, v in value.items()}
        if isinstance(value, list):
            return [unpack(v, depth + 1) for v in value]
        return value

    return unpack(message)


def field(message: dict, name: str, kind, optional: bool = False):
    """`message[name]`, which must be of type `kind` (a type or a tuple of types; bool is never an int here)."""
    if not isinstance(message, dict):
        raise ProtocolError(f"a {type(message).__name__} where a message belongs")
    if name not in message:
        if optional:
            return None
        raise ProtocolError(f"a message without {name!r}")
    value = message[name]
    if value is None and optional:
        return None
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        raise ProtocolError(f"{name!r} of type {type(value).__name__} in a message")
    return value
