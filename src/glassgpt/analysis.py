"""What a trained GPT has learned to do: a score for every attention head, and the logit lens.

Head scores. Each is one number in [0, 1] for every layer x head: the attention a head pays, averaged over the
query positions the score is about, to the keys the score names. One sentence each:
- previous-token: mean attention from position i to position i - 1;
- first-token: mean attention from position i > 0 to position 0 (an "attention sink");
- duplicate-token: mean attention from a token to the earlier copies of the same token;
- induction: on random sequences that repeat with a period drawn per sequence, mean attention from a repeated
  token to the token *after* its earlier occurrence ("... A B ... A" looks at B: Olsson et al. 2022, "In-context
  Learning and Induction Heads").
Every score is `attention_to(pattern, keys)`: the same average, with `keys` saying which keys count for which query.
The score functions take an attention pattern (n_layer, B, nh, T, T) and the token ids, so they can be checked on
hand-made patterns whose right answer is known exactly (tests/test_analysis.py).

Pitfall: GPT-2 learns absolute positions, so on sequences that all repeat with the same period P, a head that
only ever looks P - 1 back scores as an induction head without looking at any token. The period is drawn anew for
every sequence here (and in training.py's induction task), so such a head scores only on the few sequences whose
period happens to match.

The logit lens (nostalgebraist 2020): the final LayerNorm and the LM head applied to the residual stream after
every block, as if the model stopped there; so one watches the prediction form layer by layer. After the last
block it is exactly the model's own output.

Everything here returns plain data; nothing prints (cli/heads.py and cli/lens.py render it).
"""

from dataclasses import dataclass

import torch

from .errors import GlassGPTError
from .inspection import attention_weights, capture, evaluating
from .model import GPT

SCORE_NAMES = ("previous_token", "first_token", "duplicate_token", "induction")
DEFAULT_MIN_PERIOD = 4  # shorter periods blur the scores: with period 2, "the token after the earlier copy" is
#                         the previous token, and a previous-token head would pass as an induction head
DEFAULT_SEQUENCES = 32
GOAL_INDUCTION, GOAL_PREVIOUS = 0.5, 0.4  # what counts as found in a trained model
DEFAULT_SCORE_LENGTH = 64  # tokens per scoring sequence (fewer when the model's block_size is smaller)


# --- the sequences the induction score (and the induction task) is measured on ---------------------------------

@dataclass(frozen=True)
class RepeatedTokens:
    idx: torch.Tensor  # (B, T) token ids: each row's period of distinct ids, repeated until the row is full
    periods: torch.Tensor  # (B,) each row's period P_b
    starts: torch.Tensor  # (B,) where each row's repeating part begins (0 unless random_start)


def largest_period(seq_len: int, vocab_size: int, random_start: bool = False) -> int:
    """The longest period rows of seq_len ids can repeat with: distinct ids, seen twice (with random_start, also
    one id left over for the filler, and both copies after the filler)."""
    return min(vocab_size - 1, seq_len // 2) if random_start else min(vocab_size, seq_len - 1)


def repeated_random_tokens(batch_size: int, seq_len: int, vocab_size: int, min_period: int, max_period: int,
                           generator: torch.Generator | None = None, random_start: bool = False) -> RepeatedTokens:
    """B rows of random token ids that repeat themselves: P_b distinct ids drawn uniformly from the vocabulary,
    repeated until the row holds seq_len ids; each period P_b is drawn uniformly from [min_period, max_period].
    Distinct ids within a period make "the earlier occurrence" of a token unique.

    random_start: the repeating part begins at a random place S_b (uniform in [0, seq_len - 2 P_b], so that the
    period still occurs twice), after S_b filler ids drawn from the ids that are not in the period. Without it,
    first occurrences are always in the first half of a row, and a model trained on such rows needs (and grows)
    a previous-token head only there."""
    largest = largest_period(seq_len, vocab_size, random_start)
    if not 1 <= min_period <= max_period <= largest:
        raise GlassGPTError("repeat_periods", min_period=min_period, max_period=max_period, seq_len=seq_len,
                            vocab_size=vocab_size, largest=largest)
    periods = torch.randint(min_period, max_period + 1, (batch_size,), generator=generator)[:, None]  # (B, 1)
    order = torch.rand(batch_size, vocab_size, generator=generator).argsort(dim=1)  # (B, V): a shuffled vocabulary
    starts = torch.zeros_like(periods)  # (B, 1)
    if random_start:
        starts = (torch.rand(batch_size, 1, generator=generator) * (seq_len - 2 * periods + 1)).long()
    position = torch.arange(seq_len)  # (T,)
    # the period is order[:P_b]; position t of the repeating part holds its (t - S_b) mod P_b-th id
    idx = order.gather(1, (position - starts) % periods)  # (B, T)
    if random_start:
        # filler: uniform over order[P_b:], the ids outside the period
        outside = periods + (torch.rand(batch_size, seq_len, generator=generator) * (vocab_size - periods)).long()
        idx = torch.where(position < starts, order.gather(1, outside), idx)  # (B, T)
    return RepeatedTokens(idx, periods[:, 0], starts[:, 0])


def default_periods(seq_len: int, vocab_size: int) -> tuple[int, int]:
    """The period range head scores use: from 4 to half the sequence (so every period is seen at least twice),
    never more than the vocabulary holds."""
    return DEFAULT_MIN_PERIOD, min(seq_len // 2, vocab_size)


# --- head scores from an attention pattern --------------------------------------------------------------------

def attention_to(pattern: torch.Tensor, keys: torch.Tensor) -> torch.Tensor:
    """The attention each head pays to the chosen keys, averaged over the queries that have any:
    pattern (n_layer, B, nh, T, T), keys (B, T, T) bool (keys[b, i, j]: key j counts for query i) -> (n_layer, nh).

    A query with no chosen key is left out of the average, not counted as 0."""
    if pattern.dim() != 5 or pattern.size(-1) != pattern.size(-2) or keys.shape != (pattern.size(1),
                                                                                     *pattern.shape[-2:]):
        raise GlassGPTError("pattern_shape", pattern=str(tuple(pattern.shape)), keys=str(tuple(keys.shape)))
    queries = keys.any(dim=-1)  # (B, T)
    if not queries.any():
        raise GlassGPTError("score_no_queries")
    mass = torch.einsum("lbhij,bij->lbhi", pattern.float(), keys.float())  # (n_layer, B, nh, T) per query
    return torch.einsum("lbhi,bi->lh", mass, queries.float()) / queries.sum()  # (n_layer, nh)


def _positions(tokens: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Query and key positions i (T, 1) and j (1, T), to write each score's keys as a formula."""
    T = tokens.size(-1)
    position = torch.arange(T, device=tokens.device)
    return position[:, None], position[None, :]


def previous_token_keys(tokens: torch.Tensor) -> torch.Tensor:
    """tokens (B, T) -> (B, T, T): key i - 1 for query i."""
    i, j = _positions(tokens)
    return (j == i - 1).expand(tokens.size(0), -1, -1)


def first_token_keys(tokens: torch.Tensor) -> torch.Tensor:
    """tokens (B, T) -> (B, T, T): key 0 for every query i > 0 (query 0 can only look at itself)."""
    i, j = _positions(tokens)
    return ((j == 0) & (i > 0)).expand(tokens.size(0), -1, -1)


def duplicate_token_keys(tokens: torch.Tensor) -> torch.Tensor:
    """tokens (B, T) -> (B, T, T): every earlier key j < i that holds the same token as query i."""
    i, j = _positions(tokens)
    return (tokens[:, :, None] == tokens[:, None, :]) & (j < i)


def induction_keys(tokens: torch.Tensor) -> torch.Tensor:
    """tokens (B, T) -> (B, T, T): every key j <= i right after an earlier occurrence (at j - 1 < i) of query i's
    token."""
    B, T = tokens.shape
    after_copy = torch.zeros(B, T, T, dtype=torch.bool, device=tokens.device)
    after_copy[:, :, 1:] = tokens[:, :, None] == tokens[:, None, :-1]  # key j follows a copy of token i at j - 1
    i, j = _positions(tokens)
    return after_copy & (j <= i)


def previous_token_scores(pattern: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """(n_layer, B, nh, T, T), (B, T) -> (n_layer, nh): mean attention from position i to position i - 1."""
    return attention_to(pattern, previous_token_keys(tokens))


def first_token_scores(pattern: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """(n_layer, B, nh, T, T), (B, T) -> (n_layer, nh): mean attention from position i > 0 to position 0."""
    return attention_to(pattern, first_token_keys(tokens))


def duplicate_token_scores(pattern: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """(n_layer, B, nh, T, T), (B, T) -> (n_layer, nh): mean attention from a token to its earlier copies."""
    return attention_to(pattern, duplicate_token_keys(tokens))


def induction_scores(pattern: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
    """(n_layer, B, nh, T, T), (B, T) -> (n_layer, nh): mean attention from a repeated token to the token after
    its earlier occurrence(s). Meaningful on repeated random tokens (`repeated_random_tokens`)."""
    return attention_to(pattern, induction_keys(tokens))


# --- head scores of a model ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class TopHead:
    layer: int
    head: int
    score: float


@dataclass(frozen=True)
class HeadScores:
    """Every score for every head, each (n_layer, n_head), and the sequences they were measured on."""

    previous_token: torch.Tensor
    first_token: torch.Tensor
    duplicate_token: torch.Tensor
    induction: torch.Tensor
    tokens: RepeatedTokens

    def by_name(self) -> dict[str, torch.Tensor]:
        """{score name: (n_layer, n_head)}, in the order of SCORE_NAMES."""
        return {name: getattr(self, name) for name in SCORE_NAMES}

    def top(self, name: str, k: int = 1, before_layer: int | None = None) -> list[TopHead]:
        """The k heads with the highest `name` score, highest first; only layers before `before_layer` if given
        (the previous-token head an induction head relies on must sit in an earlier layer)."""
        scores = self.by_name()[name][:before_layer]  # (layers, n_head)
        values, flat = scores.flatten().topk(min(k, scores.numel()))
        return [TopHead(int(f) // scores.size(1), int(f) % scores.size(1), float(v)) for v, f in zip(values, flat)]


def head_scores(model: GPT, n_sequences: int = DEFAULT_SEQUENCES, seq_len: int | None = None,
                min_period: int | None = None, max_period: int | None = None, seed: int = 0) -> HeadScores:
    """All four scores of every head of `model`, measured on `n_sequences` repeated random sequences of `seq_len`
    tokens (default: 64, or block_size if smaller), each with its own period drawn from [min_period,
    max_period] (default `default_periods`), drawn from `seed`. The model is not changed."""
    config = model.config
    seq_len = min(config.block_size, DEFAULT_SCORE_LENGTH) if seq_len is None else seq_len
    if not 1 <= seq_len <= config.block_size:
        raise GlassGPTError("seq_len_range", seq_len=seq_len, block_size=config.block_size)
    low, high = default_periods(seq_len, config.vocab_size)
    generator = torch.Generator().manual_seed(seed)
    tokens = repeated_random_tokens(n_sequences, seq_len, config.vocab_size, low if min_period is None else min_period,
                                    high if max_period is None else max_period, generator)
    device = next(model.parameters()).device
    pattern = attention_weights(model, tokens.idx.to(device)).float().cpu()  # (n_layer, B, nh, T, T)
    idx = tokens.idx
    return HeadScores(previous_token_scores(pattern, idx), first_token_scores(pattern, idx),
                      duplicate_token_scores(pattern, idx), induction_scores(pattern, idx), tokens)


# --- the logit lens -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class LogitLens:
    """What the model would predict after each block, for every position of the input."""

    top_ids: torch.Tensor  # (n_layer, B, T, k) after block l, the k likeliest next tokens at each position
    top_probs: torch.Tensor  # (n_layer, B, T, k) their probabilities, highest first


def lens_logits(model: GPT, idx: torch.Tensor) -> torch.Tensor:
    """idx (B, T) -> (n_layer, B, T, V): lm_head(ln_f(residual stream after block l)) for every block l. The last
    is the model's own logits."""
    return torch.stack(list(_lens_layers(model, idx)))  # (n_layer, B, T, V)


def _lens_layers(model: GPT, idx: torch.Tensor):
    """lm_head(ln_f(residual after block l)) (B, T, V) for each block l in turn: one V-wide tensor at a time.
    The pass stops after the last block (its own ln_f and LM head would compute the last of these again)."""
    blocks = [f"blocks.{layer}" for layer in range(len(model.blocks))]
    with evaluating(model):  # no dropout: the lens reads the same stream as the model's prediction
        residuals = capture(model, idx, blocks, until=blocks[-1]).outputs
        with torch.no_grad():
            for name in blocks:
                yield model.lm_head(model.ln_f(residuals[name]))  # (B, T, V)


def logit_lens(model: GPT, idx: torch.Tensor, top_k: int = 5) -> LogitLens:
    """The k likeliest next tokens and their probabilities at every position of idx (B, T), after every block."""
    if isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1:
        raise GlassGPTError("lens_top_k", value=repr(top_k))
    tops = [logits.float().softmax(dim=-1).topk(min(top_k, logits.size(-1)), dim=-1)
            for logits in _lens_layers(model, idx)]  # per layer (B, T, k): never every layer's V-wide logits at once
    top_probs, top_ids = torch.stack([top.values for top in tops]), torch.stack([top.indices for top in tops])
    return LogitLens(top_ids, top_probs)
