"""Finite weights whose forward pass overflows (3e38 in the position table: LayerNorm squares it past float32's
range): the lab still writes a page whose data is valid JSON, with null where a number is not finite and
`overflow` naming what overflowed; the page says so, the CLI says so in one line, and nothing else is run to find
out (the one recorded run of the library's generation sees it).

Oracle: the model's own forward pass, whose first non-finite module output is found here with plain hooks.
"""


import numpy as np

import torch

from glassgpt import GPT, GPTConfig
from glassgpt.cli import lab as lab_mode
from glassgpt.cli.messages import Messages
from glassgpt.lab import build_payload, write_page
from glassgpt.lab.texts import PAGE_TEXTS

from test_lab import lab_args, page_data, run_entry_point  # noqa: E402  (tests/ is on sys.path)


def overflowing_model() -> GPT:
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_preset("tiny")).eval()
    with torch.no_grad():
        model.pos_emb.weight[0, 0] = 3e38  # finite, as every weight is
    assert all(torch.isfinite(p).all() for p in model.parameters())
    return model


def first_not_finite(model: GPT, idx: torch.Tensor) -> str:
    """The first module (in the order they finish) whose output has a number that is not finite."""
    seen = []
    hooks = [module.register_forward_hook(lambda m, a, out, name=name: seen.append((name, out)))
             for name, module in model.named_modules() if name]
    try:
        with torch.no_grad():
            model(idx)
    finally:
        for hook in hooks:
            hook.remove()
    return next(name for name, out in seen if isinstance(out, torch.Tensor) and not torch.isfinite(out).all())


def nulls(value) -> int:
    """null in the JSON, NaN in a typed array: the numbers that are not."""
    if isinstance(value, np.ndarray):
        return int(np.isnan(value).sum()) if value.dtype.kind == "f" else 0
    if isinstance(value, dict):
        return sum(nulls(v) for v in value.values())
    if isinstance(value, list):
        return sum(nulls(v) for v in value)
    return value is None


def test_an_overflow_is_null_in_the_data_and_named(tmp_path):
    model = overflowing_model()
    idx = torch.arange(6)[None]
    path = write_page(build_payload(model, idx), tmp_path / "lab.html")  # json.dumps(allow_nan=False) inside
    html = path.read_text(encoding="utf-8")
    text = html[html.index('id="lab-data">'):]
    text = text[:text.index("</script>")]
    assert "NaN" not in text and "Infinity" not in text
    data = page_data(path)
    assert data["overflow"]["module"] == first_not_finite(model, idx) == "blocks.0.ln_1"
    assert {"attention", "lens"} <= set(data["overflow"]["parts"])
    assert nulls(data["attention"]) > 0 and data["generation"] == []  # greedy cannot choose from NaN logits



def test_a_finite_pass_has_no_overflow(tmp_path):
    torch.manual_seed(0)
    data = page_data(write_page(build_payload(GPT(GPTConfig.from_preset("tiny")).eval(), torch.arange(6)[None]),
                                tmp_path / "lab.html"))
    assert data["overflow"] is None and nulls(data["attention"]) == 0


def test_the_cli_says_it_in_one_line(tmp_path):
    folder = tmp_path / "overflow"
    overflowing_model().save_pretrained(folder)
    out = tmp_path / "lab.html"
    lines = lab_mode.run(lab_args("--checkpoint", str(folder), "--out", str(out)), Messages("en"))
    assert len(lines) == 3 and lines[-1].startswith("Overflow:") and "blocks.0.ln_1" in lines[-1]
    assert page_data(out)["overflow"]["module"] == "blocks.0.ln_1"
    result = run_entry_point(("-m", "glassgpt", "lab"), "--checkpoint", str(folder), "--out", str(out),
                             "--lang", "zh")
    assert result.returncode == 0 and result.stderr == "", result.stderr
    assert result.stdout.splitlines()[-1].startswith("溢出")
    assert PAGE_TEXTS["page.overflow"][0].startswith(" Overflow:")
