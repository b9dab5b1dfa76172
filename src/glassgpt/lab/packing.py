"""The lab page's big numbers as typed arrays: packed here, unpacked by the page (data.js) and by `unpack` below.

A payload is plain JSON data in which some values are `Packed` arrays. `pack(payload)` replaces each with a small
descriptor {"$array": i} and lays their bytes end to end in one buffer, gzip-compressed and base64-encoded; the
descriptors (dtype, shape, offset, scale) travel in the JSON. The page decompresses the buffer with the browser's
own `DecompressionStream("gzip")`, so the page stays one file and fetches nothing.

Encodings (the page prints each to a precision the encoding keeps; tests/test_lab_packing.py checks it):
- "f32": float32 as the model made it (q, k, v and z of the heads shown number by number; the page computes the
  raw scores q·k/√hs and the weights from q and k in float64, so no T x T matrix per head is stored);
- "u8":  round(x / scale) in 0..255: attention weights for the overview heatmaps (scale 1/255: off by at most
  0.002, so the page prints them to two decimals);
- "u16": round(x / scale) in 0..65535: attention rows of the generation steps (scale 1/65535: off by at most
  7.7e-6, printed to four decimals);
- "i32": whole numbers.
A number that is not finite (an overflow) is stored as NaN in "f32"; the quantised encodings set aside their
largest code for it (255, 65535), and the page shows "—".
"""

import base64
import gzip
from dataclasses import dataclass

import numpy as np
import torch

ENCODINGS = {"f32": np.float32, "u8": np.uint8, "u16": np.uint16, "i32": np.int32}
NOT_FINITE = {"u8": 255, "u16": 65535}  # the code a quantised array keeps for "not a number"
ALIGN = 4  # every array starts at a multiple of 4 bytes, so the page can view it as a typed array in place


@dataclass
class Packed:
    """One array of the payload and how it travels. For "u8"/"u16", `scale` is what one step of the code is
    worth: value = code * scale."""

    tensor: torch.Tensor
    encoding: str = "f32"
    scale: float | None = None

    def encoded(self) -> np.ndarray:
        values = self.tensor.detach().to("cpu", torch.float64 if self.encoding != "i32" else torch.int64).numpy()
        dtype = ENCODINGS[self.encoding]
        if self.encoding in NOT_FINITE:
            bad = ~np.isfinite(values)
            codes = np.clip(np.rint(np.where(bad, 0, values) / self.scale), 0, NOT_FINITE[self.encoding] - 1)
            return np.where(bad, NOT_FINITE[self.encoding], codes).astype(dtype)
        return values.astype(dtype)


def quantised(tensor: torch.Tensor, encoding: str) -> Packed:
    """Values in [0, 1] (attention weights) on the 8- or 16-bit grid."""
    return Packed(tensor, encoding, 1 / (NOT_FINITE[encoding] - 1))


def pack(payload) -> tuple[dict, str]:
    """-> (the payload with every Packed replaced by {"$array": i} and an "arrays" list of descriptors added at its
    top, the base64 text of the gzip-compressed buffer)."""
    chunks, descriptors, offset = [], [], 0

    def walk(value):
        nonlocal offset
        if isinstance(value, Packed):
            data = value.encoded()
            raw = data.tobytes()
            descriptors.append({"dtype": value.encoding, "shape": list(data.shape), "offset": offset,
                                "scale": value.scale})
            padding = -len(raw) % ALIGN
            chunks.append(raw + b"\0" * padding)
            offset += len(raw) + padding
            return {"$array": len(descriptors) - 1}
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [walk(item) for item in value]
        return value

    packed = walk(payload)
    buffer = gzip.compress(b"".join(chunks), compresslevel=6, mtime=0)
    return {**packed, "arrays": descriptors}, base64.b64encode(buffer).decode("ascii")


def unpack(data: dict, blob: str) -> dict:
    """The inverse of `pack`, as the page does it: every {"$array": i} becomes a numpy array of the values the page
    shows (quantised codes times their scale, float64; the "not a number" code as NaN)."""
    buffer = gzip.decompress(base64.b64decode(blob))
    arrays = []
    for d in data["arrays"]:
        dtype = np.dtype(ENCODINGS[d["dtype"]])
        count = int(np.prod(d["shape"], dtype=np.int64))
        codes = np.frombuffer(buffer, dtype=dtype, count=count, offset=d["offset"]).reshape(d["shape"]).copy()
        if d["dtype"] in NOT_FINITE:
            values = codes.astype(np.float64) * d["scale"]
            values[codes == NOT_FINITE[d["dtype"]]] = np.nan
            codes = values
        arrays.append(codes)

    def walk(value):
        if isinstance(value, dict):
            if set(value) == {"$array"}:
                return arrays[value["$array"]]
            return {key: walk(item) for key, item in value.items() if key != "arrays" or value is not data}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return value

    return walk(data)
