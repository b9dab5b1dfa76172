"""The course's step-3 training step with glassgpt as its step-2 model, beside a nanoGPT-style model of the same shape.

The peer is the model a learner of the course would otherwise write: nanoGPT's layout with no biases (LayerNorm
without shift, Linear without bias), PyTorch's exact GELU, a tied head and PyTorch's fused attention, written
out below in about fifty lines. Both models are built from the course's own config (`--preset course`: vocab
6400, 8 layers of 8 heads, 512 wide, dropout 0.1, no biases), hold the same weights (copied by name), and
run the step the course's step 3 runs: forward with targets, backward, clip_grad_norm_(1.0), AdamW step,
zero_grad. The two take turns round after round (interleaved) and each reports its median; the losses of the
first step are compared, to show that both compute the same thing.

    python benchmarks/bench_course.py                       # batch 4 x 256 tokens, 5 rounds (~2 minutes)
    python benchmarks/bench_course.py --batch 8 --tokens 512 --rounds 3
"""

import argparse
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

from common import describe_machine, interleaved_medians, markdown_table  # benchmarks/common.py
from glassgpt import GPT, GPTConfig


class PeerAttention(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.n_head, self.dropout = c.n_head, c.dropout
        self.c_attn = nn.Linear(c.n_embd, 3 * c.n_embd, bias=False)
        self.c_proj = nn.Linear(c.n_embd, c.n_embd, bias=False)
        self.resid_dropout = nn.Dropout(c.dropout)

    def forward(self, x):
        B, T, d = x.shape
        q, k, v = (t.view(B, T, self.n_head, d // self.n_head).transpose(1, 2) for t in self.c_attn(x).split(d, 2))
        y = F.scaled_dot_product_attention(q, k, v, is_causal=True, dropout_p=self.dropout if self.training else 0)
        return self.resid_dropout(self.c_proj(y.transpose(1, 2).contiguous().view(B, T, d)))


class PeerBlock(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(c.n_embd, bias=False), nn.LayerNorm(c.n_embd, bias=False)
        self.attn = PeerAttention(c)
        self.mlp = nn.Sequential(nn.Linear(c.n_embd, 4 * c.n_embd, bias=False), nn.GELU(),
                                 nn.Linear(4 * c.n_embd, c.n_embd, bias=False), nn.Dropout(c.dropout))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class PeerGPT(nn.Module):
    """nanoGPT's shape, bias-free: what the course's step 2 asks a learner to write."""

    def __init__(self, c):
        super().__init__()
        self.tok_emb, self.pos_emb = nn.Embedding(c.vocab_size, c.n_embd), nn.Embedding(c.block_size, c.n_embd)
        self.drop = nn.Dropout(c.dropout)
        self.blocks = nn.ModuleList(PeerBlock(c) for _ in range(c.n_layer))
        self.ln_f = nn.LayerNorm(c.n_embd, bias=False)
        self.lm_head = nn.Linear(c.n_embd, c.vocab_size, bias=False)
        self.lm_head.weight = self.tok_emb.weight

    def forward(self, idx, targets):
        x = self.drop(self.tok_emb(idx) + self.pos_emb(torch.arange(idx.size(1))))
        for block in self.blocks:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return logits, F.cross_entropy(logits.view(-1, logits.size(-1)), targets.reshape(-1), ignore_index=-1)


def copy_weights(ours: GPT, peer: PeerGPT) -> None:
    """Our weights into the peer, by name (its MLP is a Sequential: c_fc is mlp.0, c_proj is mlp.2)."""
    rename = {"mlp.c_fc.": "mlp.0.", "mlp.c_proj.": "mlp.2."}
    state = {}
    for name, tensor in ours.state_dict().items():
        for old, new in rename.items():
            name = name.replace(old, new)
        state[name] = tensor
    peer.load_state_dict(state)


def training_step(model, optimizer, batch):
    """What the course's step-3 loop does per batch."""
    def step():
        _, loss = model(*batch)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        return loss
    return step


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--tokens", type=int, default=256, help="sequence length (at most 512)")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    config = GPTConfig.from_preset("course")
    torch.manual_seed(0)
    ours = GPT(config).train()
    peer = PeerGPT(config).train()
    copy_weights(ours, peer)
    generator = torch.Generator().manual_seed(1)
    idx = torch.randint(0, config.vocab_size, (args.batch, args.tokens + 1), generator=generator)
    batch = (idx[:, :-1], idx[:, 1:])

    torch.manual_seed(2)
    first_ours = ours(*batch)[1].item()
    torch.manual_seed(2)
    first_peer = peer(*batch)[1].item()  # the same dropout masks: the same draws in the same order
    steps = {"glassgpt (course preset)": training_step(ours, torch.optim.AdamW(ours.parameters(), lr=3e-4), batch),
             "nanoGPT-style, bias-free": training_step(peer, torch.optim.AdamW(peer.parameters(), lr=3e-4), batch)}
    for step in steps.values():
        step()  # warm-up: first-call allocations, AdamW's state
    seconds = interleaved_medians(steps, args.rounds, torch.device("cpu"))
    peer_seconds = seconds["nanoGPT-style, bias-free"]
    tokens = args.batch * args.tokens
    rows = [[name, f"{1e3 * s:.0f}", f"{tokens / s:,.0f}", f"{peer_seconds / s:.2f}x"] for name, s in seconds.items()]
    print(f"Machine: {describe_machine(torch.device('cpu'))}\n")
    print(markdown_table([f"course step 3, batch {args.batch} x {args.tokens} tokens, fp32, dropout 0.1",
                          "ms/step", "tokens/s", "speed vs nanoGPT-style"], rows))
    print(f"\n- first-step loss: glassgpt {first_ours:.6f}, nanoGPT-style {first_peer:.6f} "
          f"(ln(vocab) = {math.log(config.vocab_size):.4f})")


if __name__ == "__main__":
    main()
