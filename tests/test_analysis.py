"""Head scores and the logit lens (glassgpt.analysis).

The scores are checked on hand-made attention patterns whose right answer follows from the definition by hand,
and against a plain loop over positions that spells each definition out. The logit lens after the last block must
be the model's own prediction.
"""

import pytest
import torch

from glassgpt import GPT, GPTConfig, GlassGPTError
from glassgpt.analysis import (
    SCORE_NAMES, attention_to, duplicate_token_scores, first_token_scores, head_scores, induction_scores,
    lens_logits, logit_lens, previous_token_scores, repeated_random_tokens,
)

T = 48


def one_key_pattern(key_of, B: int, T: int) -> torch.Tensor:
    """A head that puts all its attention on one key per query: key_of(b, i) -> j <= i. (1, B, 1, T, T)"""
    pattern = torch.zeros(1, B, 1, T, T)
    for b in range(B):
        for i in range(T):
            pattern[0, b, 0, i, key_of(b, i)] = 1.0
    return pattern


def varying_rows(seed: int = 0, B: int = 64):
    return repeated_random_tokens(B, T, vocab_size=32, min_period=4, max_period=24,
                                  generator=torch.Generator().manual_seed(seed))


def loop_score(pattern: torch.Tensor, tokens: torch.Tensor, counts) -> torch.Tensor:
    """The definition written as loops: for every query with at least one key that `counts(tokens_b, i, j)`, the
    attention on those keys; averaged over those queries. pattern (L, B, nh, T, T) -> (L, nh)"""
    L, B, nh, T, _ = pattern.shape
    total, queries = torch.zeros(L, nh, dtype=torch.float64), 0
    for b in range(B):
        row = tokens[b].tolist()
        for i in range(T):
            keys = [j for j in range(T) if counts(row, i, j)]
            if keys:
                total += pattern[:, b, :, i, keys].double().sum(-1)
                queries += 1
    return (total / queries).float()


DEFINITIONS = {
    "previous_token": (previous_token_scores, lambda x, i, j: j == i - 1),
    "first_token": (first_token_scores, lambda x, i, j: j == 0 and i > 0),
    "duplicate_token": (duplicate_token_scores, lambda x, i, j: j < i and x[j] == x[i]),
    "induction": (induction_scores, lambda x, i, j: 1 <= j <= i and x[j - 1] == x[i]),
}


# --- the sequences ---------------------------------------------------------------------------------------------

def test_repeated_random_tokens_repeat_with_their_own_period():
    rows = varying_rows()
    assert rows.idx.shape == (64, T) and rows.periods.shape == (64,)
    assert rows.periods.min() >= 4 and rows.periods.max() <= 24
    assert len(set(rows.periods.tolist())) > 5  # the period really varies
    for row, period in zip(rows.idx.tolist(), rows.periods.tolist()):
        assert len(set(row[:period])) == period  # one period: distinct tokens
        assert all(row[t] == row[t - period] for t in range(period, T))
        assert all(0 <= token < 32 for token in row)


def test_with_a_random_start_the_repeats_begin_anywhere_after_filler_from_outside_the_period():
    rows = repeated_random_tokens(64, T, 32, 4, 24, torch.Generator().manual_seed(0), random_start=True)
    assert rows.starts.max() > T // 2  # first occurrences in the second half too
    for row, period, start in zip(rows.idx.tolist(), rows.periods.tolist(), rows.starts.tolist()):
        assert 0 <= start <= T - 2 * period  # the period still occurs twice
        block = row[start:start + period]
        assert len(set(block)) == period
        assert all(row[t] == row[t - period] for t in range(start + period, T))
        assert not set(row[:start]) & set(block)  # the filler never holds a token of the period


def test_repeated_random_tokens_are_repeatable_from_a_generator():
    assert torch.equal(varying_rows(seed=3).idx, varying_rows(seed=3).idx)
    assert not torch.equal(varying_rows(seed=3).idx, varying_rows(seed=4).idx)


@pytest.mark.parametrize("low, high, vocab, random_start", [
    (0, 4, 32, False), (5, 4, 32, False), (4, 48, 64, False), (4, 24, 16, False),
    (4, 25, 64, True), (4, 24, 24, True),  # two periods must fit, and a filler token outside the period
])
def test_impossible_periods_are_refused(low, high, vocab, random_start):
    with pytest.raises(GlassGPTError, match="min_period"):
        repeated_random_tokens(2, T, vocab, low, high, random_start=random_start)


# --- scores on hand-made patterns ------------------------------------------------------------------------------

def test_a_previous_token_head_scores_1_on_previous_token_and_0_on_induction():
    rows = varying_rows()
    pattern = one_key_pattern(lambda b, i: max(i - 1, 0), 64, T)
    assert previous_token_scores(pattern, rows.idx).item() == 1.0
    assert induction_scores(pattern, rows.idx).item() == 0.0  # periods >= 4: the previous token is never it
    assert duplicate_token_scores(pattern, rows.idx).item() == 0.0
    # only query 1 has its previous token at position 0: one query in T - 1
    assert first_token_scores(pattern, rows.idx).item() == pytest.approx(1 / (T - 1))


def test_an_induction_head_scores_1_on_induction_and_a_duplicate_token_head_on_duplicates():
    rows = varying_rows()
    period = rows.periods.tolist()
    # query i >= P: the token after its earlier occurrence is i - P + 1; the earlier occurrence itself is i - P
    induction = one_key_pattern(lambda b, i: i - period[b] + 1 if i >= period[b] else i, 64, T)
    duplicate = one_key_pattern(lambda b, i: i - period[b] if i >= period[b] else i, 64, T)
    assert induction_scores(induction, rows.idx).item() == 1.0
    assert duplicate_token_scores(induction, rows.idx).item() == 0.0
    assert duplicate_token_scores(duplicate, rows.idx).item() == 1.0
    assert induction_scores(duplicate, rows.idx).item() == 0.0


def test_an_attention_sink_scores_1_on_first_token():
    rows = varying_rows()
    pattern = one_key_pattern(lambda b, i: 0, 64, T)
    assert first_token_scores(pattern, rows.idx).item() == 1.0
    assert previous_token_scores(pattern, rows.idx).item() == pytest.approx(1 / (T - 1))  # query 1 only


def test_uniform_attention_scores_the_mean_of_one_over_the_keys_seen():
    rows = varying_rows()
    pattern = torch.tril(torch.ones(T, T)) / torch.arange(1, T + 1)[:, None]  # query i: 1 / (i + 1) on each key
    pattern = pattern.expand(1, 64, 1, T, T)
    expected = sum(1 / (i + 1) for i in range(1, T)) / (T - 1)
    assert previous_token_scores(pattern, rows.idx).item() == pytest.approx(expected, rel=1e-6)
    assert first_token_scores(pattern, rows.idx).item() == pytest.approx(expected, rel=1e-6)


def test_a_position_only_head_does_not_pass_as_an_induction_head():
    """The pitfall: a head that always attends 15 back is a perfect "induction head" when every sequence repeats
    with period 16, without looking at a single token. With the period drawn per sequence it scores low."""
    def fifteen_back(b, i):
        return i - 15 if i >= 15 else i

    fixed = repeated_random_tokens(64, T, 32, 16, 16, torch.Generator().manual_seed(0))
    assert induction_scores(one_key_pattern(fifteen_back, 64, T), fixed.idx).item() == 1.0
    rows = varying_rows()
    score = induction_scores(one_key_pattern(fifteen_back, 64, T), rows.idx).item()
    assert score < 0.3
    # exactly: it scores at queries i >= 16 of the rows whose period divides 16 (key i - 15 then follows the copy
    # at i - 16), out of all the repeated tokens, T - P of each row
    periods = rows.periods.tolist()
    lucky = sum(T - 16 for p in periods if 16 % p == 0)
    assert 0 < lucky and score == pytest.approx(lucky / sum(T - p for p in periods))


@pytest.mark.parametrize("name", SCORE_NAMES)
def test_every_score_equals_its_definition_written_as_loops(name):
    generator = torch.Generator().manual_seed(1)
    rows = repeated_random_tokens(6, 20, 12, 3, 9, generator)
    tokens = rows.idx.clone()
    tokens[:, -3:] = torch.randint(0, 12, (6, 3), generator=generator)  # some tokens that are no repeat
    scores = torch.rand(2, 6, 3, 20, 20, generator=generator) * 4
    pattern = scores.masked_fill(~torch.ones(20, 20, dtype=torch.bool).tril(), float("-inf")).softmax(-1)
    function, counts = DEFINITIONS[name]
    got = function(pattern, tokens)
    assert got.shape == (2, 3)
    torch.testing.assert_close(got, loop_score(pattern, tokens, counts), rtol=1e-5, atol=1e-6)
    assert ((0 <= got) & (got <= 1)).all()


def test_a_pattern_of_the_wrong_shape_is_refused():
    with pytest.raises(GlassGPTError, match="n_layer, B, nh, T, T"):
        attention_to(torch.zeros(2, 3, 5, 5), torch.zeros(2, 5, 5, dtype=torch.bool))


def test_a_score_with_nothing_to_average_says_so():
    distinct = torch.arange(8)[None]  # no token occurs twice
    with pytest.raises(GlassGPTError, match="repeats"):
        induction_scores(torch.eye(8).expand(1, 1, 1, 8, 8), distinct)


# --- scores of a model -------------------------------------------------------------------------------------------

def test_head_scores_of_a_model_are_in_0_1_for_every_layer_and_head():
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_preset("tiny"))
    scores = head_scores(model, n_sequences=4)
    assert list(scores.by_name()) == list(SCORE_NAMES)
    for values in scores.by_name().values():
        assert values.shape == (2, 2)
        assert ((0 <= values) & (values <= 1)).all()
    top = scores.top("induction", k=4)
    assert [t.score for t in top] == sorted(scores.induction.flatten().tolist(), reverse=True)
    assert scores.induction[top[0].layer, top[0].head].item() == top[0].score


def test_head_scores_read_the_models_own_attention():
    """A model's first-token score equals the score of the pattern its hook points show."""
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_preset("tiny"))
    scores = head_scores(model, n_sequences=4, seed=5)
    pattern = torch.stack([p for p in _patterns(model, scores.tokens.idx)])
    torch.testing.assert_close(scores.first_token, first_token_scores(pattern, scores.tokens.idx))


def _patterns(model, idx):
    """Each layer's attention pattern, read from the hook point of the written-out path."""
    found = []
    handles = [block.attn.hook_pattern.register_forward_hook(lambda m, a, out: found.append(out))
               for block in model.blocks]
    for block in model.blocks:
        block.attn.flash = False
    with torch.no_grad():
        model(idx)
    for handle in handles:
        handle.remove()
    return found


# --- the logit lens -----------------------------------------------------------------------------------------------

def test_the_lens_after_the_last_block_is_the_models_prediction():
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_preset("tiny")).eval()
    idx = torch.randint(0, 64, (2, 10))
    with torch.no_grad():
        own = model(idx)[0].softmax(-1)  # (B, T, V)
    lens = lens_logits(model, idx)
    assert lens.shape == (2, 2, 10, 64)
    torch.testing.assert_close(lens[-1].softmax(-1), own, rtol=0, atol=1e-6)
    top = logit_lens(model, idx, top_k=64)
    torch.testing.assert_close(top.top_probs[-1], own.sort(-1, descending=True).values, rtol=0, atol=1e-6)


def test_the_lens_after_an_earlier_block_reads_the_residual_stream_there():
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_preset("tiny")).eval()
    idx = torch.randint(0, 64, (1, 12))
    with torch.no_grad():
        x = model.tok_emb(idx) + model.pos_emb(torch.arange(12))
        x = model.blocks[0](x)
        expected = model.lm_head(model.ln_f(x))
    torch.testing.assert_close(lens_logits(model, idx)[0], expected)


def test_logit_lens_gives_the_top_k_highest_first_and_leaves_the_model_as_it_was():
    torch.manual_seed(0)
    model = GPT(GPTConfig.from_preset("tiny", dropout=0.5))  # training mode: dropout would change the lens
    idx = torch.randint(0, 64, (1, 12))
    first, second = logit_lens(model, idx, top_k=3), logit_lens(model, idx, top_k=3)
    assert model.training
    assert first.top_ids.shape == first.top_probs.shape == (2, 1, 12, 3)
    assert torch.equal(first.top_probs, second.top_probs)
    assert (first.top_probs[..., :-1] >= first.top_probs[..., 1:]).all()
    probs = lens_logits(model, idx).softmax(-1)
    assert torch.equal(probs.gather(-1, first.top_ids), first.top_probs)


@pytest.mark.parametrize("top_k", [0, -1, 2.5, True])
def test_a_bad_top_k_is_refused(top_k):
    model = GPT(GPTConfig.from_preset("tiny"))
    with pytest.raises(GlassGPTError, match="top_k"):
        logit_lens(model, torch.zeros(1, 4, dtype=torch.long), top_k=top_k)


# --- the heads and lens modes of the CLI ---------------------------------------------------------------------------

@pytest.mark.parametrize("lang, words", [
    ("en", ["previous-token: mean attention from position i to position i - 1", "induction:", "Top: layer"]),
    ("zh", ["前一 token：位置 i 对位置 i - 1 的平均注意力", "归纳：", "最高：第"]),
])
def test_heads_defines_every_score_and_names_the_top_head(cli, lang, words):
    status, out, err = cli("heads", "--preset", "tiny", "--sequences", "4", "--seed", "5", "--lang", lang)
    assert status == 0, err
    assert all(word in out for word in words)
    torch.manual_seed(5)  # the model and sequences the command made: --seed seeds both
    scores = head_scores(GPT(GPTConfig.from_preset("tiny")).eval(), n_sequences=4, seed=5)
    assert all(f"{value:.2f}" in out for values in scores.by_name().values() for value in values.flatten().tolist())


def test_heads_json_is_one_object_with_a_layers_by_heads_list_per_score(cli):
    import json

    status, out, _ = cli("heads", "--preset", "small", "--sequences", "4", "--json")
    assert status == 0
    report = json.loads(out)
    assert set(report["scores"]) == set(SCORE_NAMES) == set(report["definitions"]) == set(report["top"])
    for values in report["scores"].values():
        assert len(values) == 4 and all(len(row) == 4 for row in values)
        assert all(0 <= v <= 1 for row in values for v in row)
    assert report["induction_circuit"] is None  # a freshly initialised model has none


def test_heads_plot_writes_a_png(cli, tmp_path):
    status, out, _ = cli("heads", "--preset", "tiny", "--sequences", "4", "--plot", tmp_path / "heads.png")
    assert status == 0 and "heads.png" in out
    assert (tmp_path / "heads.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_lens_on_random_tokens_said_twice_marks_the_true_next_token(cli):
    import json

    status, out, _ = cli("lens", "--preset", "tiny", "--top-k", "64", "--json")
    assert status == 0
    report = json.loads(out)
    assert len(report["tokens"]) == 16 and report["tokens"][:8] == report["tokens"][8:]
    assert len(report["predictions"]) == 2 and len(report["predictions"][0]) == 16
    assert all(len(position) == 64 for position in report["predictions"][-1])
    status, out, _ = cli("lens", "--preset", "tiny", "--top-k", "64")
    assert status == 0 and out.count("✓") == 1 + 2 * 15  # the legend; every layer at every position but the last


@pytest.mark.parametrize("argv, match", [
    (["lens", "--preset", "tiny", "--text", "hello"], "tokenizer"),
    (["lens", "--preset", "tiny", "--top-k", "0"], "top_k"),
    (["heads", "--preset", "tiny", "--plot", "heads.jpg"], ".png"),
    (["heads", "--preset", "tiny", "--sequences", "0"], "--sequences"),
    (["heads", "--preset", "tiny", "--block-size", "6"], "block_size"),
])
def test_bad_heads_and_lens_options_exit_2_with_one_line(cli, argv, match):
    status, out, err = cli(*argv)
    assert status == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and match in err
