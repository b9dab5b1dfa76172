"""generate mode: continue a prompt of token ids, printing each new token as soon as it is chosen, then the speed.

    glassgpt generate --prompt 1,2,3 --max-new-tokens 50 --temperature 0.8 --top-k 40
"""

import argparse
import time

import torch

from .options import UsageError, describe, model_from_args
from .render import WIDTH, display_width, wrap

DEFAULT_NEW_TOKENS = 50
DEFAULT_TEMPERATURE = 1.0
RANDOM_PROMPT_LENGTH = 8  # tokens of the random prompt used when --prompt is not given


def add_arguments(group, t) -> None:
    group.add_argument("--prompt", metavar="IDS", help=t("generate.opt.prompt", n=RANDOM_PROMPT_LENGTH))
    group.add_argument("--max-new-tokens", type=int, default=DEFAULT_NEW_TOKENS, metavar="N",
                       help=t("generate.opt.max_new_tokens", default=DEFAULT_NEW_TOKENS))
    group.add_argument("--temperature", type=float, default=DEFAULT_TEMPERATURE,
                       help=t("generate.opt.temperature", default=DEFAULT_TEMPERATURE))
    group.add_argument("--top-k", type=int, metavar="K", help=t("generate.opt.top_k"))
    group.add_argument("--top-p", type=float, metavar="P", help=t("generate.opt.top_p"))
    group.add_argument("--cache", action=argparse.BooleanOptionalAction, default=True, help=t("generate.opt.cache"))
    group.add_argument("--compile", action="store_true", help=t("generate.opt.compile"))


def parse_prompt(text: str | None, vocab_size: int, block_size: int, seed: int, t) -> torch.Tensor:
    """--prompt "1,2,3" -> tensor([[1, 2, 3]]); no --prompt: a few random ids drawn from --seed. (1, T)"""
    if text is None:
        generator = torch.Generator().manual_seed(seed)
        return torch.randint(0, vocab_size, (1, min(RANDOM_PROMPT_LENGTH, block_size)), generator=generator)
    try:
        ids = [int(word) for word in text.split(",")]
    except ValueError:
        raise UsageError(t("usage.error", detail=t("generate.bad_prompt", prompt=text))) from None
    return torch.tensor([ids])  # the model checks the ids' range, with its own clear message


class TokenPrinter:
    """Prints token ids one at a time after a label, wrapping at the terminal width, flushing each one."""

    def __init__(self, label: str):
        self.column = display_width(label)
        print(label, end="", flush=True)

    def add(self, token: int) -> None:
        text = f" {token}"
        if self.column + len(text) > WIDTH:
            print(flush=True)
            self.column, text = 0, f"  {token}"
        print(text, end="", flush=True)
        self.column += len(text)

    def end(self) -> None:
        print(flush=True)


def run(args, t) -> int:
    model = model_from_args(args, t)
    config = model.config
    device = next(model.parameters()).device
    prompt = parse_prompt(args.prompt, config.vocab_size, config.block_size, args.seed, t).to(device)
    generator = torch.Generator(device=device).manual_seed(args.seed)
    settings = dict(temperature=args.temperature, top_k=args.top_k, top_p=args.top_p, use_cache=args.cache,
                    compile=args.compile)

    # checks the prompt and every setting before anything is printed (a bad value exits 2 with one line)
    steps = model.generate_stream(prompt, args.max_new_tokens, generator=generator, **settings)

    print("\n".join(wrap(t("generate.title", n=args.max_new_tokens, config=describe(config)))))
    print(t("generate.settings", temperature=args.temperature, top_k=args.top_k, top_p=args.top_p,
            cache=t("generate.cache_on" if args.cache else "generate.cache_off")))
    printer = TokenPrinter(t("generate.prompt", n=prompt.size(1)))
    for token in prompt[0].tolist():
        printer.add(token)
    printer.end()
    if args.compile and args.cache and args.max_new_tokens > 1:
        print(t("generate.compiling"), end=" ", flush=True)
        start = time.perf_counter()
        model.generate(prompt, 2, **settings)  # the second token is the first decode step: it compiles
        print(t("generate.compiled", seconds=time.perf_counter() - start), flush=True)

    printer = TokenPrinter(t("generate.new_tokens"))
    start = time.perf_counter()
    for token in steps:
        printer.add(int(token[0, 0]))
    seconds = time.perf_counter() - start
    printer.end()
    print("\n".join(wrap(t("generate.speed", n=args.max_new_tokens, seconds=seconds,
                           rate=args.max_new_tokens / seconds if seconds > 0 else 0.0))))
    return 0
