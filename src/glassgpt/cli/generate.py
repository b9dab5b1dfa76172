"""generate mode: continue a prompt, printing each new token as soon as it is chosen, then the speed.

    glassgpt generate --prompt 1,2,3 --max-new-tokens 50 --temperature 0.8 --top-k 40
    glassgpt generate --checkpoint DIR --prompt "Once upon a time"     (text, when a tokenizer is known)

With a tokenizer the continuation is printed as text, decoded as it streams: a character whose bytes are split
across tokens waits for its last byte (text.StreamDecoder) instead of printing as broken bytes.
"""

import argparse
import time

import torch

from ..errors import GlassGPTError
from ..text import StreamDecoder
from .options import (UsageError, add_model_options, add_text_options, describe, drawable_ids, encode_text,
                      model_from_args, tokenizer_from_args)
from .output import Part
from .render import WIDTH, display_width, visible, wrap

DEFAULT_NEW_TOKENS = 50
DEFAULT_TEMPERATURE = 1.0
RANDOM_PROMPT_LENGTH = 8  # tokens of the random prompt used when --prompt is not given


def add_arguments(parser, t) -> None:
    parser.description = t("generate.about")
    add_model_options(parser, t)
    add_text_options(parser, t)
    parser.add_argument("--prompt", help=t("generate.opt.prompt", n=RANDOM_PROMPT_LENGTH))
    parser.add_argument("--max-new-tokens", type=int, default=DEFAULT_NEW_TOKENS, metavar="N",
                        help=t("generate.opt.max_new_tokens", default=DEFAULT_NEW_TOKENS))
    parser.add_argument("--temperature", type=float, default=DEFAULT_TEMPERATURE,
                        help=t("generate.opt.temperature", default=DEFAULT_TEMPERATURE))
    parser.add_argument("--top-k", type=int, metavar="K", help=t("generate.opt.top_k"))
    parser.add_argument("--top-p", type=float, metavar="P", help=t("generate.opt.top_p"))
    parser.add_argument("--cache", action=argparse.BooleanOptionalAction, default=True, help=t("generate.opt.cache"))
    parser.add_argument("--compile", action="store_true", help=t("generate.opt.compile"))


def parse_prompt(text: str | None, vocab_size: int, block_size: int, seed: int,
                 drawable: torch.Tensor | None = None) -> torch.Tensor:
    """--prompt "1,2,3" -> tensor([[1, 2, 3]]); no --prompt: a few random ids drawn from --seed, among `drawable`
    (options.drawable_ids; default: every id below vocab_size). (1, T)"""
    if text is None:
        generator = torch.Generator().manual_seed(seed)
        drawable = torch.arange(vocab_size) if drawable is None else drawable
        return drawable[torch.randint(0, len(drawable), (1, min(RANDOM_PROMPT_LENGTH, block_size)),
                                      generator=generator)]
    try:
        ids = [int(word) for word in text.split(",")]
    except ValueError:
        raise UsageError("generate.bad_prompt", prompt=text) from None
    if not all(0 <= i < vocab_size for i in ids):  # also ids no tensor can hold (past 2**63): the model's message
        raise GlassGPTError("bad_token_id", last=vocab_size - 1, vocab_size=vocab_size, low=min(ids), high=max(ids))
    return torch.tensor([ids])


def prompt_from_args(args, tokenizer, config) -> torch.Tensor:
    """The prompt (1, T): --text, or --prompt as text when a tokenizer is known and as ids when not, or random."""
    if args.text is not None and args.prompt is not None:
        raise UsageError("generate.text_and_prompt")
    text = args.text if args.text is not None else args.prompt if tokenizer is not None else None
    if text is not None:
        return encode_text(text, tokenizer)  # longer than block_size is allowed: the window slides
    return parse_prompt(args.prompt, config.vocab_size, config.block_size, args.seed,
                        drawable_ids(config, tokenizer))


def token_parts(label: str, tokens):
    """Token ids after a label, each as a Part (printed as it comes), wrapped at the terminal's width."""
    yield Part(label)
    column = display_width(label)
    for token in tokens:
        text = f" {int(token)}"
        if column + len(text) > WIDTH:
            yield ""
            column, text = 0, f"  {int(token)}"
        yield Part(text)
        column += len(text)
    yield ""


def text_parts(label: str, ids, tokenizer):
    """Token ids as text after a label, each piece printed as soon as its characters are whole; an id the
    tokenizer has no token for as <id> (text.PaddedTokenizer)."""
    yield Part(label + " ")
    decoder = StreamDecoder(tokenizer)
    for token in ids:
        token = int(token)
        piece = decoder.push(token)
        if piece:
            yield Part(_running_text(piece))
    yield _running_text(decoder.flush())


def _running_text(text: str) -> str:
    """Generated text as printed: its own spaces and line breaks, any other control character escaped."""
    return "\n".join(visible(line, spaces=False) for line in text.split("\n"))


def run(args, t):
    model = model_from_args(args)
    config = model.config
    device = next(model.parameters()).device
    tokenizer = tokenizer_from_args(args, model)
    prompt = prompt_from_args(args, tokenizer, config).to(device)
    generator = torch.Generator(device=device).manual_seed(args.seed)
    settings = dict(temperature=args.temperature, top_k=args.top_k, top_p=args.top_p, use_cache=args.cache,
                    compile=args.compile)

    # checks the prompt, every setting and the memory before anything is printed (a bad value exits 2, one line)
    steps = model.generate_stream(prompt, args.max_new_tokens, generator=generator, **settings)

    yield from wrap(t("generate.title", n=args.max_new_tokens, config=describe(config)))
    yield t("generate.settings", temperature=args.temperature, top_k=args.top_k, top_p=args.top_p,
            cache=t("generate.cache_on" if args.cache else "generate.cache_off"))
    if args.checkpoint is None:
        yield from wrap(t("generate.untrained", seed=args.seed))
    yield from token_parts(t("generate.prompt", n=prompt.size(1)), prompt[0].tolist())
    if tokenizer is not None:
        yield from text_parts(t("generate.prompt_text"), prompt[0].tolist(), tokenizer)
    if prompt.size(1) > config.block_size:
        yield from wrap(t("generate.cropped", n=prompt.size(1), block_size=config.block_size))
    if args.compile and args.cache and args.max_new_tokens > 1:
        yield Part(t("generate.compiling") + " ")
        start = time.perf_counter()
        model.generate(prompt, 2, **settings)  # the second token is the first decode step: it compiles
        yield t("generate.compiled", seconds=time.perf_counter() - start)

    start = time.perf_counter()
    new_tokens = (token[0, 0] for token in steps)
    if tokenizer is None:
        yield from token_parts(t("generate.new_tokens"), new_tokens)
    else:
        yield from text_parts(t("generate.new_text"), new_tokens, tokenizer)
    seconds = time.perf_counter() - start
    yield from wrap(t("generate.speed", n=args.max_new_tokens, seconds=seconds,
                      rate=args.max_new_tokens / seconds if seconds > 0 else 0.0))
