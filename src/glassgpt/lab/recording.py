"""One run of the model for the lab page: the library's own greedy generation (model.generate_stream, through its
KV cache), written out so that the hook points fire, with forward hooks that keep what the page shows.

- call 0, the prefill (every prompt token at once into the empty cache): the attention hook points `keep` names,
  in the layers it names ({tap: layers}; each (nh, T, ...)), each block's output (the logit lens reads them), and
  the first module whose output was not finite (what overflowed, when something did), and the shapes every module
  received and returned, in the order the pass entered them (the architecture diagram);
- every call: how many tokens it was fed, the last query's attention row in every layer (L, nh, T_k), and the last
  position's next-token logits (V,).
Nothing runs twice: the page's attention, generation, logit lens and overflow all come from this one run.
"""

import torch

from ..errors import GlassGPTError
from ..inspection import flash_off


class Recorder:
    """The forward hooks of one run; a context manager that removes them on leaving."""

    def __init__(self, model, keep: dict[str, set[int]]):
        self.model, self.keep, self.calls, self.handles = model, keep, [], []
        self.taps = {tap: [None] * len(model.blocks) for tap in keep}
        self.blocks = [None] * len(model.blocks)
        self.first_not_finite = None
        self.order, self.input_shapes, self.output_shapes = [], {}, {}  # the prefill's modules, as entered

    def __enter__(self):
        add = self.handles.append
        add(self.model.register_forward_pre_hook(self._start))
        add(self.model.register_forward_hook(self._logits))
        for layer, block in enumerate(self.model.blocks):
            for tap in set(self.keep) | {"pattern"}:
                add(getattr(block.attn, f"hook_{tap}").register_forward_hook(self._tap(tap, layer)))
            add(block.register_forward_hook(self._block(layer)))
        for name, module in self.model.named_modules():
            add(module.register_forward_pre_hook(self._entered(name)))
            add(module.register_forward_hook(self._returned(name)))
        return self

    def __exit__(self, *exc):
        for handle in self.handles:
            handle.remove()

    @property
    def prefill(self) -> bool:
        return len(self.calls) == 1

    def _start(self, module, args):
        self.calls.append({"fed": args[0].size(1), "rows": [None] * len(self.model.blocks), "logits": None})

    def _logits(self, module, args, output):
        self.calls[-1]["logits"] = output[0][0, -1]  # (V,)

    def _tap(self, tap, layer):
        def hook(module, args, output):
            if tap == "pattern":
                self.calls[-1]["rows"][layer] = output[0, :, -1].clone()  # (nh, T_k): the last query over the cache
            if self.prefill and layer in self.keep.get(tap, ()):
                self.taps[tap][layer] = output[0]  # (nh, T, ...)
        return hook

    def _block(self, layer):
        def hook(module, args, output):
            if self.prefill:
                self.blocks[layer] = output[0]  # (T, d)
        return hook

    def _entered(self, name):
        def hook(module, args):
            if self.prefill and name not in self.input_shapes:  # a module called twice keeps its first call
                self.order.append(name)
                self.input_shapes[name] = tuple(args[0].shape)
        return hook

    def _returned(self, name):
        # −∞ above the diagonal of the masked scores is the mask, not an overflow
        checked = name and not name.endswith("hook_masked_scores")

        def hook(module, args, output):
            if not self.prefill:
                return
            output = output[0] if isinstance(output, tuple) else output  # GPT: (logits, loss)
            if not isinstance(output, torch.Tensor):
                return
            self.output_shapes.setdefault(name, tuple(output.shape))
            if (checked and self.first_not_finite is None and output.is_floating_point()
                    and not torch.isfinite(output).all()):
                self.first_not_finite = name
        return hook

def run_model(model, idx: torch.Tensor, new_tokens: int, keep: dict[str, set[int]]) -> tuple[Recorder, list[int]]:
    """The model on idx (1, T), once: the library's greedy generation of `new_tokens` tokens (temperature 0), or a
    plain forward pass when there is no room to generate. -> (what the hooks saw, the chosen tokens). Logits that
    are not finite stop the generation where the library stops it (greedy cannot choose from NaN); the prefill's
    numbers are kept, and the page says what overflowed."""
    chosen = []
    with Recorder(model, keep) as recorder, flash_off(model), torch.no_grad():
        if new_tokens == 0:
            model(idx)
        else:
            try:
                for token in model.generate_stream(idx, new_tokens, temperature=0):
                    chosen.append(int(token[0, 0]))
            except GlassGPTError as error:
                if error.key != "logits_not_finite":
                    raise
    return recorder, chosen
