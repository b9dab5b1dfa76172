"""glassgpt check: a correct GPT passes; each classic mistake fails in its own part, named; parts not written yet
are reported as such; a file that cannot be loaded exits 2 with one line; through the real entry point, en and zh.

The broken learners are tests/learners/correct.py with one classic mistake each, made here by replacing a line or
two, so that the repository holds one learner file, not a dozen near-copies of it.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn as nn

from glassgpt import GPT, GlassGPTError, GPTConfig
from glassgpt.checker import CHECK_CONFIG, CHOICES, FAIL, PASS, SKIP, TODO, WITH_MISTAKES, check_file
from glassgpt.cli import check as check_mode
from glassgpt.cli.messages import MESSAGES, Messages
from glassgpt.cli.render import display_width
from glassgpt.model import MLP, CausalSelfAttention, TransformerBlock

ROOT = Path(__file__).resolve().parents[1]
LEARNERS = ROOT / "tests" / "learners"
EXERCISE = ROOT / "exercises" / "model_exercise.py"
CORRECT = (LEARNERS / "correct.py").read_text(encoding="utf-8")

# name: (text in correct.py, what replaces it, the part that must fail, its check, the note that names the mistake)
MISTAKES = {
    "no mask": ('        att = att.masked_fill(self.mask[:, :, :T, :T] == 0, float("-inf"))\n', "",
                "attention", "reference", "attention.mask.none"),
    "mask with 0": ('float("-inf"))', "0.0)", "attention", "reference", "attention.mask.zero"),
    "no scale": (" * (1.0 / math.sqrt(hs))", "", "attention", "reference", "attention.scale.none"),
    "scale by n_embd": ("math.sqrt(hs)", "math.sqrt(C)", "attention", "reference", "attention.scale.sqrt_n_embd"),
    "softmax over queries": ("F.softmax(att, dim=-1)", "F.softmax(att, dim=-2)",
                             "attention", "reference", "attention.softmax.queries"),
    "heads split by reshape": (".view(B, T, self.n_head, hs).transpose(1, 2)", ".reshape(B, self.n_head, T, hs)",
                               "attention", "reference", "attention.split.reshape_only"),
    "heads merged without transpose": ("y.transpose(1, 2).contiguous().view(B, T, C)", "y.contiguous().view(B, T, C)",
                                       "attention", "reference", "attention.merge.view_only"),
    "dropout on in eval": ("att = self.attn_dropout(att)", "att = F.dropout(att, p=self.attn_dropout.p)",
                           "attention", "eval", "eval_random"),
    "relu": ('nn.GELU(approximate="tanh")', "nn.ReLU()", "mlp", "reference", "mlp.activation.relu"),
    "unbiased variance": ("var = ((x - mean) ** 2).mean(dim=-1, keepdim=True)", "var = x.var(dim=-1, keepdim=True)",
                          "layer_norm", "reference", "layer_norm.variance.unbiased"),
    "no residual": ("x = x + self.attn(self.ln_1(x))", "x = self.attn(self.ln_1(x))",
                    "block", "reference", "block.no_residual"),
    "post-norm": ("x = x + self.mlp(self.ln_2(x))", "x = self.ln_2(x + self.mlp(x))", "block", "reference",
                  "block.post_norm"),
    "no position embedding": ("self.tok_emb(idx) + self.pos_emb(pos)", "self.tok_emb(idx)",
                              "gpt", "reference", "gpt.pos_emb.missing"),
    "no final norm": ("x = self.ln_f(x)", "x = x", "gpt", "reference", "gpt.final_norm.missing"),
    "head copied, not tied": ("self.lm_head.weight = self.tok_emb.weight",
                              "self.lm_head.weight = nn.Parameter(self.tok_emb.weight.clone())",
                              "gpt", "params", "head_not_tied"),
    "default init": ("        self.apply(self._init_weights)\n", "", "gpt", "init_loss", "init_loss"),
    "detached": ("x = block(x)", "x = block(x.detach())", "gpt", "gradients", "no_gradient"),
}


def learner(folder: Path, name: str, old: str, new: str) -> Path:
    """correct.py with `old` replaced by `new` (each occurrence; there must be one), written to folder/name.py."""
    assert old in CORRECT, old
    path = folder / (re.sub(r"\W+", "_", name) + ".py")
    path.write_text(CORRECT.replace(old, new), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """Every learner of this file, checked once: name -> Report."""
    folder = tmp_path_factory.mktemp("learners")
    reports = {name: check_file(learner(folder, name, old, new)) for name, (old, new, *_) in MISTAKES.items()}
    reports["correct"] = check_file(LEARNERS / "correct.py")
    reports["nanogpt names"] = check_file(LEARNERS / "nanogpt_names.py")
    reports["exercise"] = check_file(EXERCISE)
    return reports


def not_passed(report):
    return [f for f in report.findings if f.status != PASS]


@pytest.mark.parametrize("name", ["correct", "nanogpt names"])
def test_a_correct_gpt_passes_every_check(reports, name):
    report = reports[name]
    assert not_passed(report) == []
    checks = [(f.role, f.check) for f in report.findings]
    assert ("gpt", "reference") in checks and ("attention", "causal") in checks and len(checks) == 25


def test_either_gelu_passes_and_the_report_says_which(reports):
    def gelu_note(report):
        return next(f for f in report.findings if (f.role, f.check) == ("mlp", "reference")).notes[0].key

    assert gelu_note(reports["correct"]) == "gelu_tanh"
    assert gelu_note(reports["nanogpt names"]) == "gelu_none"  # nn.GELU(): the exact one


@pytest.mark.parametrize("name", list(MISTAKES))
def test_each_classic_mistake_fails_in_its_own_part_and_is_named(reports, name):
    *_, role, check, key = MISTAKES[name]
    failed = not_passed(reports[name])
    assert {f.role for f in failed} == {role}, [(f.role, f.check) for f in failed]  # the parts above still pass
    assert key in [note.key for f in failed if f.check == check for note in f.notes]
    for f in failed:
        for note in f.notes:
            if note.where is not None:  # where: a function of the failing class, in the learner's file
                assert note.where.name.split(".")[0] == f.part


def test_the_exercise_reports_every_part_as_not_written_yet(reports):
    findings = reports["exercise"].findings
    builds = [f for f in findings if f.check == "build"]
    assert [(f.part, f.status) for f in builds] == [
        ("LayerNorm", TODO), ("CausalSelfAttention", TODO), ("MLP", TODO), ("TransformerBlock", TODO), ("GPT", TODO)]
    assert [f.notes[0].where.name for f in builds] == [f"{f.part}.__init__" for f in builds]
    assert all(f.status == SKIP for f in findings if f.check != "build")


def test_a_method_not_written_yet_is_todo_and_the_parts_above_still_pass(tmp_path):
    path = learner(tmp_path, "mlp todo", "        return self.dropout(self.c_proj(self.gelu(self.c_fc(x))))",
                   '        raise NotImplementedError("TODO: MLP.forward")')
    report = check_file(path)
    assert [(f.role, f.check, f.status) for f in not_passed(report)] == [
        ("mlp", "shapes", TODO), ("mlp", "reference", SKIP), ("mlp", "eval", SKIP)]
    note = not_passed(report)[0].notes[0]
    assert (note.key, note.where.name, note.fields["error"]) == ("not_written", "MLP.forward", "TODO: MLP.forward")


def test_an_exception_in_the_learners_code_says_what_and_where(tmp_path):
    # view() cannot split the heads of a tensor cut out of c_attn's output by split(): PyTorch raises
    path = learner(tmp_path, "view on split", "q = q.view(B, T, self.n_head, hs).transpose(1, 2)",
                   "q = q.view(B, self.n_head, T, hs)")
    line = 1 + path.read_text(encoding="utf-8").splitlines().index("        q = q.view(B, self.n_head, T, hs)"
                                                                   "  # (B, nh, T, hs)")
    report = check_file(path)
    finding = not_passed(report)[0]
    assert (finding.role, finding.check, finding.status) == ("attention", "shapes", FAIL)
    note = finding.notes[0]
    assert note.key == "raised" and note.fields["error"].startswith("RuntimeError")
    assert (note.where.name, note.where.line) == ("CausalSelfAttention.forward", line)
    assert note.where.code.startswith("q = q.view(B, self.n_head, T, hs)")


def test_a_layout_the_checker_cannot_read_is_said_plainly(tmp_path):
    report = check_file(learner(tmp_path, "qkv", "self.c_attn", "self.qkv"))
    finding = next(f for f in report.findings if (f.role, f.check) == ("attention", "reference"))
    assert finding.status == FAIL
    assert [(n.key, n.fields["name"]) for n in finding.notes][:1] == [("missing_tensor", "c_attn.weight")]
    assert "c_attn" in MESSAGES["check.hint.missing_tensor"][0]  # the hint says queries, keys, values: fused


def random_weights(module: nn.Module) -> nn.Module:
    """Every parameter random (gains near 1), so that a zero bias or a unit gain hides nothing."""
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for p in module.parameters():
            noise = torch.randn(p.shape, generator=generator)
            p.copy_(noise / p.shape[-1] ** 0.5 if p.dim() > 1 else 1 + 0.2 * noise)
    return module.eval()


def test_the_mistake_models_with_the_courses_choices_are_glassgpts_own_modules():
    """The diagnosis computes each part with knobs for the classic mistakes; with every knob at the course's
    choice it must be exactly glassgpt's module (itself tested against Hugging Face GPT-2)."""
    config = GPTConfig(**{**CHECK_CONFIG, "attention": "manual"})
    modules = {"layer_norm": nn.LayerNorm(config.n_embd), "attention": CausalSelfAttention(config, 0),
               "mlp": MLP(config), "block": TransformerBlock(config, 0), "gpt": GPT(config)}
    x = torch.randn(2, config.block_size, config.n_embd, generator=torch.Generator().manual_seed(1))
    idx = torch.randint(0, config.vocab_size, (2, config.block_size), generator=torch.Generator().manual_seed(2))
    for role, module in modules.items():
        random_weights(module)
        given = idx if role == "gpt" else x
        course = {knob: options[0] for knob, options in CHOICES[role].items()}
        with torch.no_grad():
            expected = module(given)[0] if role == "gpt" else module(given)
            torch.testing.assert_close(WITH_MISTAKES[role](course, module, given), expected, rtol=1e-5, atol=1e-5)


def test_every_mistake_the_checker_can_name_has_a_sentence_and_a_hint():
    for role, knobs in CHOICES.items():
        for knob, options in knobs.items():
            for option in options[1:]:
                key = f"block.{option}" if role == "block" else f"{role}.{knob}.{option}"
                assert f"check.note.{key}" in MESSAGES, key
                assert check_mode._hint_key(key) is not None, key


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_report_renders_within_80_columns(reports, lang):
    t = Messages(lang)
    for name, report in reports.items():
        for line in check_mode.render(report, f"tests/learners/{name}.py", t):
            assert display_width(line) <= 80, (name, line)


# --- through the real entry point ------------------------------------------------------------------------------

def run(*args, lang="en"):
    env = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    env["LANG"] = "zh_CN.UTF-8" if lang == "zh" else "C.UTF-8"
    return subprocess.run([sys.executable, "model.py", *args], cwd=ROOT, capture_output=True, text=True, env=env,
                          timeout=300)


def has_chinese(text: str) -> bool:
    return bool(re.search(r"[\u4e00-\u9fff]", text))


def test_cli_correct_file_exits_0_in_english():
    result = run("check", "tests/learners/correct.py")
    assert (result.returncode, result.stderr) == (0, "")
    assert not has_chinese(result.stdout)
    assert "FAIL" not in result.stdout and "25 checks: 25 passed" in result.stdout


def test_cli_nanogpt_names_exit_0_in_chinese_and_the_learners_print_stays_out():
    result = run("--mode", "check", "tests/learners/nanogpt_names.py", lang="zh")
    assert (result.returncode, result.stderr) == (0, "")
    assert has_chinese(result.stdout) and "number of parameters" not in result.stdout


def test_cli_exercise_exits_1_with_each_part_not_written_yet():
    result = run("check", "exercises/model_exercise.py")
    assert (result.returncode, result.stderr) == (1, "")
    assert result.stdout.count("not written yet:") == 5 and "Traceback" not in result.stdout


def test_cli_a_mistake_exits_1_naming_class_and_line_in_chinese(tmp_path):
    path = learner(tmp_path, "no scale", *MISTAKES["no scale"][:2])
    line = 1 + path.read_text(encoding="utf-8").splitlines().index("        att = (q @ k.transpose(-2, -1))"
                                                                   "  # (B, nh, T, T)")
    result = run("check", str(path), lang="zh")
    assert (result.returncode, result.stderr) == (1, "")
    assert "失败" in result.stdout and "sqrt(head_size) = sqrt(8)" in result.stdout
    assert "CausalSelfAttention.forward，第" in result.stdout  # the function, and its line:
    forward = 1 + path.read_text(encoding="utf-8").splitlines().index("    def forward(self, x):", line - 20)
    assert f"CausalSelfAttention.forward，第 {forward} 行" in result.stdout


UNLOADABLE = {
    "syntax error": ("class GPT(:\n    pass\n", "learner_syntax"),
    "import error": ("import torch\nimport no_such_module_for_glassgpt\n", "learner_import"),
    "no GPT class": ("import torch\n\n\nclass GPTConfig:\n    pass\n", "learner_no_class"),
    "no file": (None, "learner_file_missing"),
}


def unloadable(folder: Path, name: str) -> Path:
    content, _ = UNLOADABLE[name]
    path = folder / ("learner.py" if content is not None else "missing.py")
    if content is not None:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", list(UNLOADABLE))
def test_a_file_that_cannot_be_loaded_raises_a_glassgpt_error_naming_it(tmp_path, name):
    path = unloadable(tmp_path, name)
    with pytest.raises(GlassGPTError) as error:
        check_file(path)
    assert error.value.key == UNLOADABLE[name][1] and error.value.fields["file"] == str(path)
    if name == "syntax error":
        assert error.value.fields["line"] == 1
    if name == "no GPT class":
        assert error.value.fields["name"] == "GPT"


@pytest.mark.parametrize("name, lang", [("syntax error", "en"), ("import error", "zh")])
def test_cli_a_file_that_cannot_be_loaded_exits_2_with_one_line(tmp_path, name, lang):
    path = unloadable(tmp_path, name)
    result = run("check", str(path), lang=lang)
    assert (result.returncode, result.stdout) == (2, "")
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and "Traceback" not in result.stderr, result.stderr
    assert has_chinese(lines[0]) == (lang == "zh")


def test_cli_check_needs_exactly_one_file():
    result = run("check")
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1 and "FILE" in result.stderr
