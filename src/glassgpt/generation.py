"""Generation: the KV cache, sampling and the generate loop (a first version; issue 3 completes it).

`GPT` inherits `GenerationMixin`; nothing here imports model.py.
"""

import torch


class KVCache:
    """Keys and values of every layer for the tokens seen so far, preallocated up to block_size.

    The model calls `update(layer_idx, k, v)` from each attention layer and advances `length` once per forward.
    """

    def __init__(self, n_layer, batch_size, n_head, block_size, head_size, device=None, dtype=None):
        shape = (n_layer, batch_size, n_head, block_size, head_size)
        self.k = torch.zeros(shape, device=device, dtype=dtype)
        self.v = torch.zeros(shape, device=device, dtype=dtype)
        self.length = 0

    def update(self, layer_idx, k, v):
        end = self.length + k.size(2)
        self.k[layer_idx, :, :, self.length:end] = k
        self.v[layer_idx, :, :, self.length:end] = v
        return self.k[layer_idx, :, :, :end], self.v[layer_idx, :, :, :end]


class GenerationMixin:
    @torch.no_grad()
    def generate(self, idx, max_new_tokens, temperature=1.0, top_k=None, top_p=None, use_cache=True,
                 generator=None):
        config = self.config
        for _ in range(max_new_tokens):
            window = idx[:, -config.block_size:]
            logits, _ = self(window)
            logits = logits[:, -1, :]
            if temperature == 0:
                next_id = logits.argmax(dim=-1, keepdim=True)
            else:
                probs = torch.softmax(logits / temperature, dim=-1)
                next_id = torch.multinomial(probs, 1, generator=generator)
            idx = torch.cat([idx, next_id], dim=1)
        return idx
