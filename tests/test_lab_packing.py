"""The lab's typed arrays (lab/packing.py): what unpacks is what was packed, to the precision each encoding keeps,
and the page's text stays one self-contained file.

Oracle: the tensors given to `pack`, compared after the round trip through gzip and base64 (the page does the same
with the browser's DecompressionStream; tests/test_lab_browser.py reads its numbers back from the page).
"""

import base64
import gzip
import json

import numpy as np
import pytest
import torch

from glassgpt.lab.packing import NOT_FINITE, Packed, pack, quantised, unpack


def round_trip(payload):
    data, blob = pack(payload)
    json.dumps(data, allow_nan=False)  # the descriptors are plain JSON
    return unpack(json.loads(json.dumps(data)), blob), data, blob


def test_float32_comes_back_exactly_and_every_array_is_aligned():
    torch.manual_seed(0)
    tensors = [torch.randn(3, 5, 7), torch.randn(1), torch.randn(2, 3) * 1e30, torch.tensor([1e-40, -0.0])]
    out, data, blob = round_trip({"a": [Packed(t) for t in tensors], "b": {"c": Packed(torch.arange(7), "i32")}})
    for got, tensor in zip(out["a"], tensors):
        assert got.dtype == np.float32 and got.shape == tuple(tensor.shape)
        assert np.array_equal(got, tensor.numpy())
    assert out["b"]["c"].tolist() == list(range(7))
    assert all(d["offset"] % 4 == 0 for d in data["arrays"])
    assert "arrays" not in out
    gzip.decompress(base64.b64decode(blob))  # plain gzip: what DecompressionStream("gzip") reads


@pytest.mark.parametrize("encoding", ["u8", "u16"])
def test_quantised_weights_are_within_half_a_step(encoding):
    weights = torch.softmax(torch.randn(4, 50, 50, generator=torch.Generator().manual_seed(1)) * 3, dim=-1)
    weights[0, 0, :3] = torch.tensor([0.0, 1.0, 0.5])
    out, data, _ = round_trip({"w": quantised(weights, encoding)})
    step = data["arrays"][0]["scale"]
    assert step == pytest.approx(1 / (NOT_FINITE[encoding] - 1))
    error = np.abs(out["w"] - weights.double().numpy()).max()
    assert error <= step / 2 + 1e-12
    assert out["w"][0, 0, :3].tolist() == [0.0, 1.0, pytest.approx(0.5, abs=step / 2)]


def test_numbers_that_are_not_finite_stay_not_a_number():
    values = torch.tensor([0.25, float("nan"), float("inf"), -float("inf"), 1.0])
    out, data, _ = round_trip({"u8": quantised(values, "u8"), "u16": quantised(values, "u16"), "f32": Packed(values)})
    for name in ("u8", "u16", "f32"):
        got = out[name]
        assert np.isnan(got[1]) and got[0] == pytest.approx(0.25, abs=1 / 500) and got[4] == 1.0
    assert np.isnan(out["u8"][2]) and np.isnan(out["u16"][3])  # no "Infinity" in the JSON, no code out of range
    assert np.isinf(out["f32"][2])


def test_plain_values_travel_as_they_are():
    payload = {"x": 1, "y": [None, "<b>", {"z": 2.5}], "t": (1, 2)}
    out, _, _ = round_trip(payload)
    assert out == {"x": 1, "y": [None, "<b>", {"z": 2.5}], "t": [1, 2]}
