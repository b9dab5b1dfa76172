"""Generation speed: glassgpt's KV-cache decoding beside Hugging Face transformers' GPT2LMHeadModel.generate.

Batch 1, a 16-token prompt, 200 new tokens, greedy. Both models hold the same random weights (transformers makes
them, save_pretrained writes them, GPT.from_pretrained reads them), fp32 unless a row says bf16. A run is one whole
generation, prefill included; the runs take turns round after round and each reports its median (common.py).

The floor: at batch 1 a new token reads every weight once, a matrix-vector product per Linear. "weights only" times
exactly those products (F.linear on a one-token input, nothing else) in the same run: no decoder can be faster
than it without reading fewer bytes.

    python benchmarks/bench_generate.py                              # char and GPT-2 small (about 10 minutes)
    python benchmarks/bench_generate.py --shapes char --rounds 3     # a quick check
    python benchmarks/bench_generate.py --shapes char --profile      # where a decode step spends its time
"""

import argparse
import tempfile

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

from common import describe_machine, interleaved_medians, markdown_table  # benchmarks/common.py
from glassgpt import GPT, GPTConfig
from glassgpt.generation import KVCache, compiled_decode_step, decode_step

SHAPES = {"char": ("char preset", "char"), "gpt2": ("GPT-2 small", "gpt2")}
PROMPT, NEW = 16, 200


def peer_and_ours(preset: str, dtype: torch.dtype):
    """transformers' GPT-2 with its own random initialisation, and glassgpt reading the very same weights."""
    from transformers import GPT2Config, GPT2LMHeadModel

    config = GPTConfig.from_preset(preset)
    torch.manual_seed(0)
    peer = GPT2LMHeadModel(GPT2Config(
        vocab_size=config.vocab_size, n_positions=config.block_size, n_embd=config.n_embd, n_layer=config.n_layer,
        n_head=config.n_head, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
    )).eval()
    with tempfile.TemporaryDirectory() as folder:
        peer.save_pretrained(folder)
        ours = GPT.from_pretrained(folder)
    return peer.to(dtype), ours.to(dtype)


def weights_only(model: GPT):
    """Every Linear of the model applied to one token: the matrix-vector products a decode step cannot avoid."""
    layers = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    inputs = [torch.ones(1, m.in_features, dtype=m.weight.dtype) for m in layers]

    def run():
        with torch.inference_mode():
            for _ in range(NEW):
                for layer, x in zip(layers, inputs):
                    F.linear(x, layer.weight, layer.bias)
    return run


def cache_bytes_of_peer(peer, idx) -> int:
    """Bytes of the key and value tensors in transformers' cache after a whole generation."""
    out = peer.generate(idx, max_new_tokens=NEW, min_new_tokens=NEW, do_sample=False, eos_token_id=None,
                        pad_token_id=0, return_dict_in_generate=True)
    tensors = [t for layer in out.past_key_values.layers for t in (layer.keys, layer.values)]
    return sum(t.numel() * t.element_size() for t in tensors)


def bench_shape(shape: str, args) -> str:
    label, preset = SHAPES[shape]
    idx = torch.randint(0, GPTConfig.from_preset(preset).vocab_size, (1, PROMPT),
                        generator=torch.Generator().manual_seed(1))
    dtypes = [torch.float32] + ([torch.bfloat16] if args.bf16 and shape == "gpt2" else [])
    runs, notes, cache_rows = {}, [], []
    for dtype in dtypes:
        tag = "" if dtype == torch.float32 else " (bf16)"
        peer, ours = peer_and_ours(preset, dtype)

        def peer_run(peer=peer):
            return peer.generate(idx, max_new_tokens=NEW, min_new_tokens=NEW, do_sample=False, eos_token_id=None,
                                 pad_token_id=0)

        def our_run(ours=ours, compile=False):
            return ours.generate(idx, NEW, temperature=0, compile=compile)

        runs[f"transformers generate, its cache{tag}"] = peer_run
        runs[f"glassgpt generate, KV cache{tag}"] = our_run
        if args.compile:
            our_run(compile=True)  # compiles the decode step, untimed
            runs[f"glassgpt generate, KV cache, compiled{tag}"] = lambda our_run=our_run: our_run(compile=True)
        runs[f"weights only (the floor){tag}"] = weights_only(ours)
        same = torch.equal(peer_run(), our_run())
        notes.append(f"greedy tokens{tag} identical to transformers': {'yes' if same else 'NO'}")
        if dtype == torch.float32:
            ours_cache = KVCache(ours.config, 1, PROMPT + NEW, dtype=dtype).nbytes
            cache_rows = [["glassgpt (preallocated for 216 tokens, + 1 spare slot)", f"{ours_cache / 2**20:.2f}"],
                          ["transformers (grown to 216 tokens)", f"{cache_bytes_of_peer(peer, idx) / 2**20:.2f}"]]
            uncached = interleaved_medians(
                {"ours": lambda: ours.generate(idx, args.uncached_tokens, temperature=0, use_cache=False)},
                rounds=1, device=torch.device("cpu"))["ours"]
            notes.append(f"glassgpt without the cache: {args.uncached_tokens / uncached:.1f} new tokens/s "
                         f"({args.uncached_tokens} new tokens, one run)")

    seconds = interleaved_medians(runs, args.rounds, torch.device("cpu"))
    reference = seconds["transformers generate, its cache"]
    rows = [[name, f"{NEW / s:.1f}", f"{1e3 * s / NEW:.2f}", f"{reference / s:.2f}x"] for name, s in seconds.items()]
    table = markdown_table([f"{label}: batch 1, {PROMPT}-token prompt, {NEW} new tokens, greedy", "new tokens/s",
                            "ms/token", "vs transformers fp32"], rows)
    cache_table = markdown_table([f"{label}: KV cache memory", "MiB"], cache_rows)
    return "\n".join([table, "", cache_table, ""] + [f"- {note}" for note in notes])


def profile_shape(shape: str, compile: bool) -> str:
    """The operators of 50 decode steps, by self time."""
    _, ours = peer_and_ours(SHAPES[shape][1], torch.float32)
    step = compiled_decode_step() if compile else decode_step
    cache = KVCache(ours.config, 1)
    token = torch.zeros(1, 1, dtype=torch.long)
    with torch.inference_mode():
        ours(torch.zeros(1, PROMPT, dtype=torch.long), kv_cache=cache)
        for _ in range(3):
            step(ours, token, cache)
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            for _ in range(50):
                step(ours, token, cache)
    return prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=20)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shapes", nargs="+", choices=list(SHAPES), default=list(SHAPES))
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds; each run reports its median")
    parser.add_argument("--threads", type=int, help="torch.set_num_threads (default: PyTorch's choice)")
    parser.add_argument("--uncached-tokens", type=int, default=50, help="new tokens of the one uncached run")
    parser.add_argument("--no-bf16", dest="bf16", action="store_false", help="skip the bf16 rows of GPT-2 small")
    parser.add_argument("--no-compile", dest="compile", action="store_false", help="skip the compiled decode step")
    parser.add_argument("--profile", action="store_true", help="profile 50 decode steps instead of timing")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    print(f"Machine: {describe_machine(torch.device('cpu'))}\n")
    for shape in args.shapes:
        if args.profile:
            print(profile_shape(shape, args.compile))
        else:
            print(bench_shape(shape, args) + "\n", flush=True)


if __name__ == "__main__":
    main()
