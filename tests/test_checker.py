"""The grader, run in this process on learner files written here: a correct GPT passes; every classic mistake the
checker can name fails in its own part, with its own note; the causal check fails for every leak; junk returns
are findings; results do not depend on the order of the checks.

The broken learners are tests/learners/correct.py with one mistake each, made here by replacing a line or two, so
that the repository holds one learner file, not two dozen near-copies of it. (`glassgpt check` never runs a
learner's code in its own process; tests/test_checker_sandbox.py tests the child process it uses.)
"""

import dataclasses
import re
from pathlib import Path

import pytest
import torch
import torch.nn as nn

from glassgpt import GPT, GPTConfig
from glassgpt.checker import CHECK_CONFIG, CHECKS, CHOICES, MISTAKE_KEYS, NOTE_KEYS, Note, Status
from glassgpt.checker import grader
from glassgpt.checker.mistakes import compute, course_choice, mistake_key
from glassgpt.cli import check as check_mode
from glassgpt.cli.messages import MESSAGES, Messages
from glassgpt.cli.render import display_width
from glassgpt.model import MLP, CausalSelfAttention, TransformerBlock

ROOT = Path(__file__).resolve().parents[1]
LEARNERS = ROOT / "tests" / "learners"
EXERCISE = ROOT / "exercises" / "model_exercise.py"
CORRECT = (LEARNERS / "correct.py").read_text(encoding="utf-8")
PASS, FAIL, TODO, SKIP = Status.PASS, Status.FAIL, Status.TODO, Status.SKIP

# the line of correct.py each mistake rewrites
LN_MEAN = "        mean = x.mean(dim=-1, keepdim=True)  # (B, T, 1)\n"
LN_VAR = "        var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)  # (B, T, 1): divide by n, not n - 1\n"
LN_OUT = "        return x_hat * self.weight + self.bias if self.bias is not None else x_hat * self.weight\n"
SCALE = "        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hs))  # (B, nh, T, T)\n"
MASK = '        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))\n'
SOFTMAX = "        att = F.softmax(att, dim=-1)\n"
SPLIT = ".view(B, T, self.n_head, hs).transpose(1, 2)"
MERGE = "        y = y.transpose(1, 2).contiguous().view(B, T, C)  # (B, T, C)\n"
ATTN_SUBLAYER = "        x = x + self.attn(self.ln_1(x))\n"
MLP_SUBLAYER = "        x = x + self.mlp(self.ln_2(x))\n"
MLP_FORWARD = "        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))\n"

# One learner for each mistake the checker can name (every option of CHOICES but the course's):
# mistake key -> the replacements {text in correct.py: what replaces it} that make it
NAMED_MISTAKES = {
    "layer_norm.variance.unbiased": {LN_VAR: "        var = x.var(dim=-1, keepdim=True)\n"},
    "layer_norm.axis.positions": {LN_MEAN: "        mean = x.mean(dim=1, keepdim=True)\n",
                                  LN_VAR: "        var = ((x - mean) ** 2).mean(dim=1, keepdim=True)\n"},
    "layer_norm.affine.no": {LN_OUT: "        return x_hat\n"},
    "attention.scale.none": {SCALE: "        att = q @ k.transpose(-2, -1)\n"},
    "attention.scale.sqrt_n_embd": {SCALE: "        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C))\n"},
    "attention.scale.head_size": {SCALE: "        att = (q @ k.transpose(-2, -1)) * (1.0 / hs)\n"},
    "attention.mask.none": {MASK: ""},
    "attention.mask.zero": {MASK: MASK.replace('float("-inf")', "0.0")},
    "attention.softmax.queries": {SOFTMAX: "        att = F.softmax(att, dim=-2)\n"},
    "attention.split.reshape_only": {SPLIT: ".reshape(B, self.n_head, T, hs)"},
    "attention.merge.view_only": {MERGE: "        y = y.contiguous().view(B, T, C)\n"},
    "mlp.activation.relu": {'nn.GELU(approximate="tanh")': "nn.ReLU()"},
    "mlp.activation.none": {MLP_FORWARD: "        return self.dropout(self.c_proj(self.c_fc(x)))\n"},
    "block.post_norm": {MLP_SUBLAYER: "        x = self.ln_2(x + self.mlp(x))\n"},
    "block.no_residual": {ATTN_SUBLAYER: "        x = self.attn(self.ln_1(x))\n"},
    "block.residual_from_norm": {ATTN_SUBLAYER: "        x = self.ln_1(x) + self.attn(self.ln_1(x))\n"},
    "block.no_norm": {MLP_SUBLAYER: "        x = x + self.mlp(x)\n"},
    "gpt.pos_emb.missing": {"self.tok_emb(idx) + self.pos_emb(pos)": "self.tok_emb(idx)"},
    "gpt.final_norm.missing": {"        x = self.ln_f(x)\n": ""},
}
# the other faults with a note of their own: name -> (replacements, the part, its check, the note)
OTHER_FAULTS = {
    "dropout on in eval": ({"att = self.attn_dropout(att)": "att = F.dropout(att, p=self.attn_dropout.p)"},
                           "attention", "eval", "eval_random"),
    "head copied, not tied": ({"self.lm_head.weight = self.tok_emb.weight":
                               "self.lm_head.weight = nn.Parameter(self.tok_emb.weight.clone())"},
                              "gpt", "params", "head_not_tied"),
    "default init": ({"        self.apply(self._init_weights)\n": ""}, "gpt", "init_loss", "init_loss"),
    "detached": ({"x = block(x)": "x = block(x.detach())"}, "gpt", "gradients", "no_gradient"),
    "loss of other logits": ({"loss = F.cross_entropy(logits.view(": "loss = 2 * F.cross_entropy(logits.view("},
                             "gpt", "reference", "gpt.loss"),
    "logits of the last position only, even with targets": (
        {"        return logits, loss\n": "        return logits[:, [-1], :], loss\n"}, "gpt", "shapes", "logits_last_only"),
    "other logits without targets": (
        {"        return logits, loss\n": "        return (logits if targets is not None else 2 * logits), loss\n"},
        "gpt", "reference", "logits_targets"),
    "mask shifted by one": ({"torch.tril(torch.ones(config.block_size, config.block_size))":
                             "torch.tril(torch.ones(config.block_size, config.block_size), diagonal=1)"},
                            "attention", "causal", "causal"),
    "MLP returns a list": ({MLP_FORWARD: "        return [x]\n"}, "mlp", "shapes", "not_tensor"),
    "MLP returns NaN": ({MLP_FORWARD: '        return x * float("nan")\n'}, "mlp", "shapes", "not_finite"),
    "MLP narrows": ({MLP_FORWARD: "        return self.c_fc(x)\n"}, "mlp", "shapes", "shape"),
    "GPT returns the logits alone": ({"        return logits, loss\n": "        return logits\n"},
                                     "gpt", "shapes", "gpt_returns"),
    "GPT returns a float loss": ({"        return logits, loss\n":
                                  "        return logits, None if loss is None else loss.item()\n"},
                                 "gpt", "shapes", "loss_not_scalar"),
    "GPT always returns a loss": ({"        loss = None\n": "        loss = logits.sum()\n"},
                                  "gpt", "shapes", "loss_not_none"),
    "MLP not written": ({MLP_FORWARD: '        raise NotImplementedError("TODO: MLP.forward")\n'},
                        "mlp", "shapes", "not_written"),
    "GPT raises": ({"        B, T = idx.size()\n": '        B, T = idx.size()\n        raise KeyError("oops")\n'},
                   "gpt", "shapes", "raised"),
}


def learner(folder: Path, name: str, replacements: dict) -> Path:
    """correct.py with each `old` of `replacements` replaced by its `new`, written to folder/<name>.py."""
    text = CORRECT
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    path = folder / (re.sub(r"\W+", "_", name).strip("_") + ".py")
    path.write_text(text, encoding="utf-8")
    return path


def not_passed(report):
    return [f for f in report.findings if f.status != PASS]


def keys(findings) -> list[str]:
    return [note.key for f in findings for note in f.notes]


def assert_renders_within_80_columns(report):
    report = dataclasses.replace(report, file="my_gpt.py")  # a long path cannot be wrapped; anything else is
    for lang in ("en", "zh"):
        for line in check_mode.render(report, Messages(lang)):
            assert display_width(line) <= 80, (lang, line)


def test_every_option_of_choices_but_the_courses_has_a_learner_here():
    named = {mistake_key(role, knob, option) for role, knobs in CHOICES.items() for knob, options in knobs.items()
             for option in options[1:]}
    assert named == MISTAKE_KEYS == set(NAMED_MISTAKES) and len(named) == 19


@pytest.mark.parametrize("name", ["correct.py", "nanogpt_names.py"])
def test_a_correct_gpt_passes_every_check(name):
    report = grader.grade_file(LEARNERS / name)
    assert not_passed(report) == []
    assert [(f.role, f.check) for f in report.findings] == [(role, check) for role in CHECKS for check in CHECKS[role]]
    mlp = next(f for f in report.findings if (f.role, f.check) == ("mlp", "reference"))
    assert mlp.notes[0].key == ("gelu_tanh" if name == "correct.py" else "gelu_none")  # nn.GELU(): exact
    assert_renders_within_80_columns(report)


@pytest.mark.parametrize("key", list(NAMED_MISTAKES))
def test_each_named_mistake_fails_its_own_parts_reference_check_with_its_note(tmp_path, key):
    role = key.split(".")[0]
    report = grader.grade_file(learner(tmp_path, key, NAMED_MISTAKES[key]))
    failed = not_passed(report)
    # the parts above still pass: glassgpt's version of this part stands in for it there
    assert {f.role for f in failed} == {role}, [(f.role, f.check, keys([f])) for f in failed]
    reference = next(f for f in failed if f.check == "reference")
    assert keys([reference]) == [key]
    note = reference.notes[0]
    assert note.where.name.split(".") == [reference.part, "forward"]  # where: the part's forward, in their file
    if role == "block":
        wraps = "attn" if key in ("block.no_residual", "block.residual_from_norm") else "mlp"
        assert note.fields["sublayer"] == f"self.{wraps}"
    else:
        assert note.fields == {"n_embd": 32, "head_size": 8}
    assert_renders_within_80_columns(report)


@pytest.mark.parametrize("name", list(OTHER_FAULTS))
def test_each_other_fault_fails_in_its_own_part_with_its_note(tmp_path, name):
    replacements, role, check, key = OTHER_FAULTS[name]
    report = grader.grade_file(learner(tmp_path, name, replacements))
    failed = not_passed(report)
    assert {f.role for f in failed} == {role}, [(f.role, f.check, keys([f])) for f in failed]
    finding = next(f for f in report.findings if (f.role, f.check) == (role, check))
    assert finding.status == (TODO if key == "not_written" else FAIL)
    assert key in keys([finding])
    assert_renders_within_80_columns(report)


# nanoGPT's shortcut: without targets, the logits of the last position alone
LAST_POSITION = {"        logits = self.lm_head(x)  # (B, T, vocab_size)\n        loss = None\n":
                 "        logits = self.lm_head(x)  # (B, T, vocab_size)\n        loss = None\n"
                 "        if targets is None:\n            logits = logits[:, [-1], :]\n"}


def test_logits_of_the_last_position_alone_without_targets_pass_and_that_position_is_checked(tmp_path):
    """nanoGPT returns the last position's logits when it generates (no targets): a legitimate shortcut, which
    passes; the position it keeps is compared, and a wrong one fails."""
    report = grader.grade_file(learner(tmp_path, "last", LAST_POSITION))
    assert not_passed(report) == []
    finding = next(f for f in report.findings if (f.role, f.check) == ("gpt", "shapes"))
    assert (finding.notes[0].key, finding.notes[0].fields) == (
        "gpt_shapes_last", {"idx": "(3, 5)", "logits": "(3, 1, 67)", "full": "(3, 5, 67)"})
    text = " ".join(line.strip() for line in check_mode.render(report, Messages("en")))
    assert "the last position only (nanoGPT's shortcut when generating)" in text
    wrong = {**LAST_POSITION}
    wrong[next(iter(wrong))] = wrong[next(iter(wrong))].replace("logits[:, [-1], :]", "logits[:, [0], :]")
    failed = not_passed(grader.grade_file(learner(tmp_path, "first", wrong)))
    assert [(f.role, f.check, keys([f])) for f in failed] == [("gpt", "reference", ["logits_targets"])]


def test_logits_of_the_last_position_alone_with_targets_are_said_with_the_shapes(tmp_path):
    report = grader.grade_file(learner(tmp_path, "last", OTHER_FAULTS[
        "logits of the last position only, even with targets"][0]))
    finding = next(f for f in report.findings if (f.role, f.check) == ("gpt", "shapes"))
    assert finding.notes[0].fields == {"shape_in": "(3, 5)", "got": "(3, 1, 67)", "expected": "(3, 5, 67)"}
    text = " ".join(line.strip() for line in check_mode.render(report, Messages("en")))
    assert "with targets the logits cover only the last position, (3, 1, 67)" in text


def causal_finding(report, role: str = "attention"):
    return next(f for f in report.findings if (f.role, f.check) == (role, "causal"))


@pytest.mark.parametrize("key", ["attention.mask.none", "attention.mask.zero", "attention.softmax.queries"])
def test_the_causal_check_fails_for_an_attention_that_leaks_the_future(tmp_path, key):
    finding = causal_finding(grader.grade_file(learner(tmp_path, key, NAMED_MISTAKES[key])))
    assert finding.status == FAIL and keys([finding]) == ["causal"]
    assert finding.notes[0].fields["cut"] == CHECK_CONFIG["block_size"] // 2 and finding.notes[0].fields["diff"] > 0.01


def test_the_causal_check_fails_for_a_mask_one_position_too_wide_which_no_classic_mistake_explains(tmp_path):
    report = grader.grade_file(learner(tmp_path, "shifted", OTHER_FAULTS["mask shifted by one"][0]))
    assert causal_finding(report).status == FAIL
    reference = next(f for f in report.findings if (f.role, f.check) == ("attention", "reference"))
    assert keys([reference]) == ["attention.differs"]


def test_the_causal_check_fails_for_a_block_and_a_gpt_that_leak(tmp_path):
    """A leak outside attention (a sum over the time axis): the block's and the GPT's own causal checks see it."""
    leak = {ATTN_SUBLAYER: ATTN_SUBLAYER + "        x = x + x.mean(dim=1, keepdim=True)\n"}
    report = grader.grade_file(learner(tmp_path, "block leak", leak))
    assert causal_finding(report, "block").status == FAIL
    leak = {"        x = self.ln_f(x)\n": "        x = self.ln_f(x + x.mean(dim=1, keepdim=True))\n"}
    report = grader.grade_file(learner(tmp_path, "gpt leak", leak))
    assert causal_finding(report, "gpt").status == FAIL
    assert {f.role for f in not_passed(report)} == {"gpt"}


@pytest.mark.parametrize("name", ["correct.py", "nanogpt_names.py"])
def test_the_causal_check_passes_for_a_correct_gpt(name):
    report = grader.grade_file(LEARNERS / name)
    assert [causal_finding(report, role).status for role in ("attention", "block", "gpt")] == [PASS] * 3


def test_the_exercise_reports_every_part_as_not_written_yet():
    findings = grader.grade_file(EXERCISE).findings
    builds = [f for f in findings if f.check == "build"]
    assert [(f.part, f.status) for f in builds] == [
        ("LayerNorm", TODO), ("CausalSelfAttention", TODO), ("MLP", TODO), ("TransformerBlock", TODO), ("GPT", TODO)]
    assert [f.notes[0].where.name for f in builds] == [f"{f.part}.__init__" for f in builds]
    assert all(f.status == SKIP for f in findings if f.check != "build")


def test_a_method_not_written_yet_is_todo_and_the_parts_above_still_pass(tmp_path):
    report = grader.grade_file(learner(tmp_path, "mlp todo", OTHER_FAULTS["MLP not written"][0]))
    assert [(f.role, f.check, f.status) for f in not_passed(report)] == [
        ("mlp", "shapes", TODO), ("mlp", "reference", SKIP), ("mlp", "eval", SKIP)]
    note = not_passed(report)[0].notes[0]
    assert (note.key, note.where.name, note.fields["error"]) == ("not_written", "MLP.forward", "TODO: MLP.forward")


def test_an_exception_in_the_learners_code_says_what_and_where(tmp_path):
    # view() cannot split the heads of a tensor cut out of c_attn's output by split(): PyTorch raises
    path = learner(tmp_path, "view on split", {"q = q.view(B, T, self.n_head, hs).transpose(1, 2)":
                                               "q = q.view(B, self.n_head, T, hs)"})
    line = 1 + path.read_text(encoding="utf-8").splitlines().index("        q = q.view(B, self.n_head, T, hs)"
                                                                   "  # (B, nh, T, hs)")
    finding = not_passed(grader.grade_file(path))[0]
    assert (finding.role, finding.check, finding.status) == ("attention", "shapes", FAIL)
    note = finding.notes[0]
    assert note.key == "raised" and note.fields["error"].startswith("RuntimeError")
    assert (note.where.name, note.where.line) == ("CausalSelfAttention.forward", line)
    assert note.where.code.startswith("q = q.view(B, self.n_head, T, hs)")


def test_a_layout_the_checker_cannot_read_is_said_plainly(tmp_path):
    report = grader.grade_file(learner(tmp_path, "qkv", {"self.c_attn": "self.qkv"}))
    finding = next(f for f in report.findings if (f.role, f.check) == ("attention", "reference"))
    assert finding.status == FAIL
    assert [(n.key, n.fields["name"]) for n in finding.notes][:1] == [("missing_tensor", "c_attn.weight")]


def test_a_config_that_refuses_the_check_sizes_skips_every_part_that_needs_it(tmp_path):
    refuses = "    bias: bool = True\n\n    def __post_init__(self):\n        raise ValueError('no')\n"
    path = learner(tmp_path, "config", {"    bias: bool = True\n": refuses})
    findings = grader.grade_file(path).findings
    assert (findings[0].part, findings[0].status, keys(findings[:1])) == ("GPTConfig", FAIL, ["raised"])
    assert {f.status for f in findings if f.role not in ("config", "layer_norm")} == {SKIP}


# --- no state carried from check to check ---------------------------------------------------------------------

def eps_of_its_own(eps: float) -> dict:
    """The replacements that give correct.py's LayerNorm an eps attribute, used in its forward."""
    gain = "        self.weight = nn.Parameter(torch.ones(ndim))\n"
    return {gain: f"        self.eps = {eps}\n" + gain, "torch.sqrt(var + 1e-5)": "torch.sqrt(var + self.eps)"}


def findings_by_check(report) -> dict:
    return {(f.role, f.check): f for f in report.findings}


@pytest.mark.parametrize("name", ["nanogpt_names.py", "layer norm eps"])
def test_results_do_not_depend_on_the_order_of_the_checks(tmp_path, monkeypatch, name):
    """The GELU and the LayerNorm eps a learner chose are read from their code whichever check asks first: with
    the parts graded top-down and each part's checks reversed, every finding is the same. (The checker once
    learnt the GELU in the MLP's check and used it in the block's, so that the order mattered.) nanogpt_names.py
    uses the exact GELU; the second learner a LayerNorm whose eps is 1e-6."""
    path = learner(tmp_path, name, eps_of_its_own(1e-6)) if name == "layer norm eps" else LEARNERS / name
    expected = findings_by_check(grader.grade_file(path))
    assert all(f.status == PASS for f in expected.values())
    monkeypatch.setattr(grader, "CLASS_NAMES", dict(reversed(grader.CLASS_NAMES.items())))
    monkeypatch.setattr(grader, "CHECKS", {role: (checks[0], *reversed(checks[1:]))
                                           for role, checks in grader.CHECKS.items()})
    assert findings_by_check(grader.grade_file(path)) == expected


def test_a_learner_eps_is_used_by_the_references_above_the_layer_norm(tmp_path):
    """A LayerNorm that keeps its eps as `eps` passes every check with it, the block's and the GPT's included
    (their references use it too); an eps of 1e-3 that it does not keep is far enough from GPT-2's 1e-5 to fail
    (so eps does matter at this size)."""
    for eps in (1e-6, 1e-3):
        path = learner(tmp_path, f"eps {eps}", eps_of_its_own(eps))
        assert [f.status for f in grader.grade_file(path).findings] == [PASS] * 25, eps
    path = learner(tmp_path, "eps hidden", {"torch.sqrt(var + 1e-5)": "torch.sqrt(var + 1e-3)"})
    assert "layer_norm.differs" in keys(not_passed(grader.grade_file(path)))


# --- the mistakes and the notes -------------------------------------------------------------------------------

def random_weights(module: nn.Module) -> nn.Module:
    """Every parameter random (gains near 1), so that a zero bias or a unit gain hides nothing."""
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in module.parameters():
            noise = torch.randn(p.shape, generator=generator)
            p.copy_(noise / p.shape[-1] ** 0.5 if p.dim() > 1 else 1 + 0.2 * noise)
    return module.eval()


def test_the_mistake_computations_with_the_courses_choices_are_glassgpts_own_modules():
    """The diagnosis computes each part with knobs for the classic mistakes; with every knob at the course's
    choice it must be exactly glassgpt's module (itself tested against Hugging Face GPT-2), on both attention
    paths."""
    for flash in (False, True):
        config = GPTConfig(**{**CHECK_CONFIG, "flash": flash})
        modules = {"layer_norm": nn.LayerNorm(config.n_embd), "attention": CausalSelfAttention(config),
                   "mlp": MLP(config), "block": TransformerBlock(config), "gpt": GPT(config)}
        x = torch.randn(2, config.block_size, config.n_embd, generator=torch.Generator().manual_seed(1))
        idx = torch.randint(0, config.vocab_size, (2, config.block_size), generator=torch.Generator().manual_seed(2))
        for role, module in modules.items():
            random_weights(module)
            given = idx if role == "gpt" else x
            with torch.no_grad():
                expected = module(given)[0] if role == "gpt" else module(given)
                torch.testing.assert_close(compute(role, course_choice(role), module, given), expected,
                                           rtol=1e-5, atol=1e-5)


def test_each_mistake_computation_differs_from_the_course():
    """Every mistake changes the output (else the checker could name a mistake that is not one)."""
    config = GPTConfig(**{**CHECK_CONFIG, "flash": False})
    modules = {"layer_norm": nn.LayerNorm(config.n_embd), "attention": CausalSelfAttention(config),
               "mlp": MLP(config), "block": TransformerBlock(config), "gpt": GPT(config)}
    x = 1 + 2 * torch.randn(2, config.block_size, config.n_embd, generator=torch.Generator().manual_seed(3))
    idx = torch.randint(0, config.vocab_size, (2, config.block_size), generator=torch.Generator().manual_seed(4))
    for role, module in modules.items():
        random_weights(module)
        given = idx if role == "gpt" else x
        with torch.no_grad():
            course = compute(role, course_choice(role), module, given)
            for knob, options in CHOICES[role].items():
                for option in options[1:]:
                    mistaken = compute(role, {**course_choice(role), knob: option}, module, given)
                    assert not grader.same(mistaken, course), (role, knob, option)


def test_the_mistake_computations_keep_to_the_device_of_their_input():
    """The meta device stands in for a GPU: a mask or positions made on the CPU beside meta tensors are an error."""
    with torch.device("meta"):
        attention, gpt = CausalSelfAttention(GPTConfig(**CHECK_CONFIG)), GPT(GPTConfig(**CHECK_CONFIG))
    x = torch.zeros(1, 4, attention.c_attn.in_features, device="meta")  # (B, T, d)
    idx = torch.zeros(1, 4, dtype=torch.long, device="meta")  # (B, T)
    positions = []
    gpt.pos_emb.register_forward_pre_hook(lambda module, args: positions.append(args[0]))
    with torch.no_grad():
        assert compute("attention", course_choice("attention"), attention, x).device.type == "meta"
        assert compute("gpt", course_choice("gpt"), gpt, idx).device.type == "meta"
    assert [p.device.type for p in positions] == ["meta"]  # an embedding on meta would take CPU positions too


def test_every_note_the_checker_can_make_has_a_sentence_in_both_languages():
    """The CLI says a note by its key (`check.note.<key>`, the hint of its nearest family): no table between."""
    assert MESSAGES.names("check.note") == NOTE_KEYS | MISTAKE_KEYS
    assert all(MESSAGES.nearest("check.hint", key) for key in MISTAKE_KEYS)  # every mistake shows the course's way
    hinted = {MESSAGES.nearest("check.hint", key) for key in NOTE_KEYS | MISTAKE_KEYS} - {None}
    assert hinted == {f"check.hint.{name}" for name in MESSAGES.names("check.hint")}  # every hint is reachable
    assert MESSAGES.names("check.label") == {check for checks in CHECKS.values() for check in checks}
    assert MESSAGES.names("check.mark") == {status.value for status in Status}


def test_a_note_with_a_key_nobody_can_say_fails_as_it_is_made():
    with pytest.raises(KeyError):
        Note("logitslast_only")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_check_the_child_process_did_not_finish_is_said_with_where_it_was(lang):
    """The notes the parent makes when the child stops (tests/test_checker_sandbox.py makes them for real)."""
    from glassgpt.checker import Finding, Report, Where

    where = Where("MLP.forward", 77, "while True:")
    notes = (Note("timeout", {"seconds": 4.0}, where), Note("crashed", {"error": "Segmentation fault"}, where),
             Note("exited", {"status": 0}))
    report = Report("my_gpt.py", dict(CHECK_CONFIG), (Finding("MLP", "mlp", "shapes", FAIL, notes),))
    lines = check_mode.render(report, Messages(lang))
    text = "\n".join(lines)
    assert text.count("| while True:") == 2 and all(display_width(line) <= 80 for line in lines)
    assert ("still running after 4 s" in text) == (lang == "en") and ("4 秒" in text) == (lang == "zh")
    assert "Segmentation fault" in text and "MLP.forward" in text
