"""What a report of the checker says, in English and Simplified Chinese: a catalog.Catalog.

A Note's key names its sentence here, `check.note.<key>` (the keys a note can have are this table's,
report.NOTE_KEYS, and a classic mistake's name, mistakes.MISTAKE_KEYS); its hint, the course's way, is the nearest
`check.hint.<key>` (`attention.scale.none` shares `check.hint.attention.scale`). A check's label is
`check.label.<check>`, a status's mark `check.mark.<status>`. The CLI (cli/check.py) and the notebook display say
them; the CLI merges this table into its own.
"""

from ..catalog import Catalog

REPORT_TEXTS = Catalog({
    "check.title": ("Checking the GPT in {file}", "检查 {file} 中的 GPT"),
    "check.config": ("every class is built with GPTConfig({config})", "每个类都用 GPTConfig({config}) 构建"),
    "check.mark.pass": ("ok", "通过"),
    "check.mark.fail": ("FAIL", "失败"),
    "check.mark.todo": ("TODO", "待写"),
    "check.mark.skip": ("skip", "跳过"),
    "check.label.build": ("build", "构建"),
    "check.label.shapes": ("shapes", "形状"),
    "check.label.causal": ("causal: later tokens leave earlier outputs alone", "因果性：后面的 token 不影响前面的输出"),
    "check.label.reference": ("same output as glassgpt's {reference} with your weights",
                              "换上你的权重后与 glassgpt 的 {reference} 输出相同"),
    "check.label.eval": ("eval() turns dropout off: the same answer twice", "eval() 关闭 dropout：两次调用结果相同"),
    "check.label.params": ("parameter count", "参数量"),
    "check.label.init_loss": ("loss at initialisation near ln(vocab_size)", "初始化时的损失接近 ln(vocab_size)"),
    "check.label.gradients": ("gradients reach every parameter", "梯度到达每一个参数"),
    "check.skipped": ("{count} check(s) not run: they wait for the failure above to be fixed",
                      "{count} 项检查未运行：要等上面的问题解决之后才会运行"),
    "check.found": ("{label}: {detail}", "{label}：{detail}"),
    "check.at": ("{name}, line {line}:", "{name}，第 {line} 行："),
    "check.at_text": ("{name}, line {line}: {text}", "{name}，第 {line} 行：{text}"),
    "check.hint": ("hint: {hint}", "提示：{hint}"),
    "check.summary": ("{total} checks: {passed} passed, {failed} failed, {todo} not written yet, {skipped} not run.",
                      "共 {total} 项检查：{passed} 项通过，{failed} 项失败，{todo} 项尚未编写，{skipped} 项未运行。"),
    "check.verdict.pass": ("Every check passes: your GPT computes what glassgpt's GPT-2 computes.",
                           "全部通过：你的 GPT 与 glassgpt 的 GPT-2 计算结果一致。"),
    "check.verdict.fail": ("Not there yet: start with the first FAIL or TODO above, then run the check again.",
                           "还没完成：从上面第一个“失败”或“待写”开始修改，然后再运行一次检查。"),
    # what a check found: check.note.<key>, and check.hint.<key> where the course has something to say
    "check.note.build_ok": ("{call}", "{call}"),
    "check.note.glassgpt.class": ("{name} is glassgpt's own {base}, imported, not a class you wrote",
                                  "{name} 是导入的 glassgpt 自己的 {base}，不是你写的类"),
    "check.note.glassgpt.subclass": ("{name} subclasses glassgpt's own {base}: its code is glassgpt's, not yours",
                                     "{name} 继承了 glassgpt 自己的 {base}：它的代码是 glassgpt 的，不是你的"),
    "check.note.glassgpt.part": ("{name} holds glassgpt's own {base} as {path}, not a class you wrote",
                                 "{name} 的 {path} 是 glassgpt 自己的 {base}，不是你写的类"),
    "check.hint.glassgpt": ("the checker grades your own code: write the class in your file, from nn.Module",
                            "检查器评的是你自己的代码：请在你的文件里从 nn.Module 写出这个类"),
    "check.note.not_module": ("{call} gave a {got}, not an nn.Module", "{call} 返回的是 {got}，不是 nn.Module"),
    "check.note.replaced": ("checked with glassgpt's {parts} (and your weights) in place of yours, which failed "
                            "above",
                            "检查时用 glassgpt 的 {parts}（权重仍是你的）替换了你的，因为你的在上面没有通过"),
    "check.note.no_class": ("your file has no class {name}", "你的文件里没有类 {name}"),
    "check.hint.no_class": (
        "the checker finds each part by the course's class names: GPTConfig, LayerNorm (optional), "
        "CausalSelfAttention, MLP, TransformerBlock (or Block), GPT",
        "检查器按课程的类名寻找各个部分：GPTConfig、LayerNorm（可选）、CausalSelfAttention、MLP、"
        "TransformerBlock（或 Block）、GPT"),
    "check.note.raised": ("raised {error}", "抛出了 {error}"),
    "check.note.not_written": ("not written yet: {error}", "尚未编写：{error}"),
    "check.note.shapes_ok": ("{shape_in} -> {shape_out}", "{shape_in} -> {shape_out}"),
    "check.note.not_tensor": ("returns a {got}, not a tensor of shape {expected}",
                              "返回的是 {got}，而不是形状为 {expected} 的张量"),
    "check.note.shape": ("for an input of shape {shape_in} it returns shape {got}; the course's returns {expected}",
                         "输入形状为 {shape_in} 时，它返回的形状是 {got}；课程中的实现返回 {expected}"),
    "check.note.not_finite": ("the output holds NaN or inf", "输出中含有 NaN 或 inf"),
    "check.note.causal": (
        "changing the tokens from position {cut} on changed the outputs before it (by up to {diff:.2g}): a token "
        "sees tokens after it",
        "改变位置 {cut} 及之后的 token 后，它之前的输出也变了（最多变化 {diff:.2g}）：有 token 看到了它后面的 token"),
    "check.hint.causal": (
        "usually the mask: before the softmax, att = att.masked_fill(mask[:, :, :T, :T] == 0, float('-inf')); "
        "heads split or merged wrongly mix tokens too",
        "通常是掩码的问题：在 softmax 之前 att = att.masked_fill(mask[:, :, :T, :T] == 0, float('-inf'))；"
        "分头或合并头的方式不对也会把 token 混在一起"),
    "check.note.eval_random": (
        "built with dropout {p}, two calls in eval() mode gave different outputs (by up to {diff:.2g}): dropout "
        "stays on after model.eval()",
        "以 dropout {p} 构建，eval() 模式下两次调用的输出不同（最多相差 {diff:.2g}）：model.eval() 之后 dropout 仍在起作用"),
    "check.hint.eval_random": (
        "use nn.Dropout modules, which model.eval() switches off; F.dropout(x, p) is always on unless given "
        "training=self.training",
        "使用 nn.Dropout 模块，model.eval() 会关闭它；F.dropout(x, p) 除非传入 training=self.training，否则一直生效"),
    "check.note.same": ("difference {diff:.0e}", "差异 {diff:.0e}"),
    "check.note.gelu_tanh": ("GELU, tanh approximation (GPT-2's); difference {diff:.0e}",
                             "GELU，tanh 近似（GPT-2 所用）；差异 {diff:.0e}"),
    "check.note.gelu_none": (
        "exact GELU (erf); GPT-2 uses the tanh approximation, and both are accepted; difference {diff:.0e}",
        "精确 GELU（erf）；GPT-2 用的是 tanh 近似，两者都算对；差异 {diff:.0e}"),
    "check.note.missing_tensor": ("has no parameter {name} (also looked for: {tried})",
                                  "找不到参数 {name}（也找过：{tried}）"),
    "check.hint.missing_tensor": (
        "the checker reads the course's names (tok_emb, pos_emb, blocks, ln_1, attn, ln_2, mlp, c_attn, c_proj, "
        "c_fc, ln_f, lm_head) or nanoGPT's (transformer.wte, .wpe, .h, .ln_f); queries, keys and values must be "
        "one fused Linear, c_attn (n_embd -> 3 * n_embd): separate q, k, v layers are not read; with bias=True "
        "every Linear but lm_head has a bias",
        "检查器读取课程的命名（tok_emb、pos_emb、blocks、ln_1、attn、ln_2、mlp、c_attn、c_proj、c_fc、ln_f、"
        "lm_head）或 nanoGPT 的命名（transformer.wte、.wpe、.h、.ln_f）；query、key、value 必须合并成一个线性层 "
        "c_attn（n_embd -> 3 * n_embd），分开的 q、k、v 层无法读取；bias=True 时除 lm_head 外每个线性层都有偏置"),
    "check.note.tensor_shape": ("{name} has shape {got}; glassgpt's has {expected}",
                                "{name} 的形状是 {got}；glassgpt 中是 {expected}"),
    "check.hint.tensor_shape": ("nn.Linear(n_in, n_out) stores its weight as (n_out, n_in); the MLP is 4 * n_embd wide",
                                "nn.Linear(n_in, n_out) 的权重形状是 (n_out, n_in)；MLP 的宽度是 4 * n_embd"),
    # LayerNorm
    "check.note.layer_norm.variance.unbiased": (
        "the variance divides by n - 1 (x.var() is unbiased by default); LayerNorm divides by n",
        "方差除以的是 n - 1（x.var() 默认是无偏估计）；LayerNorm 除以 n"),
    "check.hint.layer_norm.variance.unbiased": ("var = x.var(dim=-1, keepdim=True, unbiased=False)",
                                                "var = x.var(dim=-1, keepdim=True, unbiased=False)"),
    "check.note.layer_norm.axis.positions": (
        "it normalises over the positions (dim=1); LayerNorm normalises each token over its own n_embd features",
        "它在位置维（dim=1）上归一化；LayerNorm 对每个 token 在它自己的 n_embd 个特征上归一化"),
    "check.hint.layer_norm.axis.positions": ("mean = x.mean(dim=-1, keepdim=True): the last axis",
                                             "mean = x.mean(dim=-1, keepdim=True)：最后一个维度"),
    "check.note.layer_norm.affine.no": ("the gain (weight) and shift (bias) are never applied",
                                        "没有乘上增益（weight）、加上偏移（bias）"),
    "check.hint.layer_norm.affine.no": ("return x_hat * self.weight + self.bias", "return x_hat * self.weight + "
    "self.bias"),
    "check.note.layer_norm.differs": ("the output differs from LayerNorm's by up to {diff:.2g}, and no classic "
                                      "mistake explains it",
                                      "输出与 LayerNorm 最多相差 {diff:.2g}，且不是常见错误之一"),
    "check.hint.layer_norm.differs": ("(x - mean) / sqrt(var + eps) * weight + bias, over the last axis, with the "
                                      "biased variance and eps = 1e-5",
                                      "在最后一个维度上计算 (x - mean) / sqrt(var + eps) * weight + bias，方差用有偏估计，"
                                      "eps = 1e-5"),
    # attention
    "check.note.attention.scale.none": (
        "the scores q @ k^T are not scaled; the course divides them by sqrt(head_size) = sqrt({head_size})",
        "分数 q @ k^T 没有缩放；课程中要除以 sqrt(head_size) = sqrt({head_size})"),
    "check.note.attention.scale.sqrt_n_embd": (
        "the scores are divided by sqrt(n_embd) = sqrt({n_embd}); the course divides by sqrt(head_size) = "
        "sqrt({head_size}), the size of one head",
        "分数除以的是 sqrt(n_embd) = sqrt({n_embd})；课程中除以一个头的维度的平方根 sqrt(head_size) = sqrt({head_size})"),
    "check.note.attention.scale.head_size": (
        "the scores are divided by head_size = {head_size}; the course divides by its square root, sqrt({head_size})",
        "分数除以的是 head_size = {head_size}；课程中除以它的平方根 sqrt({head_size})"),
    "check.hint.attention.scale": ("att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))",
                                   "att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))"),
    "check.note.attention.mask.none": ("there is no causal mask: every token sees the tokens after it",
                                       "没有因果掩码：每个 token 都能看到它后面的 token"),
    "check.note.attention.mask.zero": (
        "later positions are masked with 0 instead of -inf: after the softmax, exp(0) = 1 still gives them weight",
        "后面的位置被填成了 0 而不是 -inf：softmax 之后 exp(0) = 1，它们仍然有权重"),
    "check.hint.attention.mask": ("att = att.masked_fill(mask[:, :, :T, :T] == 0, float('-inf')), before the softmax",
                                  "在 softmax 之前：att = att.masked_fill(mask[:, :, :T, :T] == 0, float('-inf'))"),
    "check.note.attention.softmax.queries": (
        "the softmax runs over the queries (dim=-2); the course's runs over the keys, the last axis, so that each "
        "token's weights sum to 1",
        "softmax 作用在 query 维（dim=-2）上；课程中作用在 key 维，即最后一个维度，使每个 token 的权重之和为 1"),
    "check.hint.attention.softmax": ("att = F.softmax(att, dim=-1)", "att = F.softmax(att, dim=-1)"),
    "check.note.attention.split.reshape_only": (
        "the heads are split by reshaping straight to (B, n_head, T, head_size), which mixes tokens with channels; "
        "the course views (B, T, n_head, head_size), then swaps axes 1 and 2",
        "直接 reshape 成 (B, n_head, T, head_size) 来分头，会把 token 和通道混在一起；课程中先 view 成 "
        "(B, T, n_head, head_size)，再交换第 1、2 维"),
    "check.hint.attention.split": ("q = q.view(B, T, n_head, hs).transpose(1, 2)  # (B, nh, T, hs)",
                                   "q = q.view(B, T, n_head, hs).transpose(1, 2)  # (B, nh, T, hs)"),
    "check.note.attention.merge.view_only": (
        "the heads are merged by viewing (B, n_head, T, head_size) as (B, T, n_embd) without moving the head axis "
        "back first, which mixes tokens with heads",
        "合并各头时直接把 (B, n_head, T, head_size) view 成 (B, T, n_embd)，没有先把头的维度换回去，"
        "会把 token 和头混在一起"),
    "check.hint.attention.merge": ("y = y.transpose(1, 2).contiguous().view(B, T, C)",
                                   "y = y.transpose(1, 2).contiguous().view(B, T, C)"),
    "check.note.attention.differs": (
        "the output differs from glassgpt's by up to {diff:.2g}, and no classic mistake explains it",
        "输出与 glassgpt 的最多相差 {diff:.2g}，且不是常见错误之一"),
    "check.hint.attention.differs": (
        "compare step by step: c_attn, split into q, k, v; heads (B, nh, T, hs); scores scaled by 1/sqrt(hs); "
        "mask; softmax over the last axis; att @ v; heads merged; c_proj",
        "逐步对照：c_attn 后拆成 q、k、v；分头 (B, nh, T, hs)；分数乘以 1/sqrt(hs)；掩码；在最后一维做 softmax；"
        "att @ v；合并各头；c_proj"),
    # MLP
    "check.note.mlp.activation.relu": ("the activation is ReLU; the course's MLP uses GELU",
                                       "激活函数是 ReLU；课程中的 MLP 用的是 GELU"),
    "check.note.mlp.activation.none": ("there is no activation between c_fc and c_proj: the MLP is one linear map",
                                       "c_fc 和 c_proj 之间没有激活函数：整个 MLP 只是一个线性变换"),
    "check.hint.mlp.activation": ("self.gelu = nn.GELU(approximate='tanh'), GPT-2's, between c_fc and c_proj",
                                  "在 c_fc 与 c_proj 之间加上 self.gelu = nn.GELU(approximate='tanh')（GPT-2 所用）"),
    "check.note.mlp.differs": ("the output differs from glassgpt's by up to {diff:.2g}, and no classic mistake "
                               "explains it",
                               "输出与 glassgpt 的最多相差 {diff:.2g}，且不是常见错误之一"),
    "check.hint.mlp.differs": ("c_fc: n_embd -> 4 * n_embd, GELU, c_proj: 4 * n_embd -> n_embd, dropout",
                               "c_fc：n_embd -> 4 * n_embd，GELU，c_proj：4 * n_embd -> n_embd，dropout"),
    # block
    "check.note.block.post_norm": (
        "around {sublayer}, the LayerNorm comes after the residual addition (post-norm, as in the original "
        "Transformer); GPT-2 normalises first, inside the branch (pre-norm)",
        "在 {sublayer} 处，LayerNorm 放在了残差相加之后（post-norm，原始 Transformer 的做法）；GPT-2 先归一化，"
        "放在分支里面（pre-norm）"),
    "check.note.block.no_residual": (
        "{sublayer}'s output replaces x instead of being added to it: the residual connection is missing",
        "{sublayer} 的输出替换了 x，而不是加到 x 上：缺少残差连接"),
    "check.note.block.residual_from_norm": (
        "the residual adds {sublayer}'s output to the normalised {norm}(x), not to x itself",
        "残差把 {sublayer} 的输出加到了归一化后的 {norm}(x) 上，而不是加到 x 本身"),
    "check.note.block.no_norm": ("{sublayer} gets x without its LayerNorm {norm}",
                                 "{sublayer} 的输入 x 没有先经过它的 LayerNorm {norm}"),
    "check.hint.block": ("x = x + {sublayer}({norm}(x))", "x = x + {sublayer}({norm}(x))"),
    "check.note.block.differs": ("the output differs from glassgpt's by up to {diff:.2g}, and no classic mistake "
                                 "explains it",
                                 "输出与 glassgpt 的最多相差 {diff:.2g}，且不是常见错误之一"),
    "check.hint.block.differs": ("x = x + self.attn(self.ln_1(x)); x = x + self.mlp(self.ln_2(x))",
                                 "x = x + self.attn(self.ln_1(x)); x = x + self.mlp(self.ln_2(x))"),
    # GPT
    "check.note.gpt_shapes_ok": ("idx {idx} -> logits {logits}, loss None; with targets, a loss of shape ()",
                                 "idx {idx} -> logits {logits}，loss 为 None；给出 targets 时 loss 的形状为 ()"),
    "check.note.gpt_returns": ("forward returns a {got}; the course's returns a pair (logits, loss)",
                               "forward 返回的是 {got}；课程中返回一对 (logits, loss)"),
    "check.note.logits_last_only": (
        "with targets the logits cover only the last position, {got}; the loss needs every position, {expected}",
        "给出 targets 时 logits 只有最后一个位置 {got}；计算损失需要每个位置，{expected}"),
    "check.hint.logits_last_only": (
        "nanoGPT keeps only the last position when it generates (no targets); with targets, forward returns the "
        "logits of all T positions",
        "nanoGPT 只在生成时（不给 targets）保留最后一个位置；给出 targets 时，forward 返回全部 T 个位置的 logits"),
    "check.note.gpt_shapes_last": (
        "idx {idx} -> logits {logits}, the last position only (nanoGPT's shortcut when generating), loss None; "
        "with targets, logits {full} and a loss of shape ()",
        "idx {idx} -> logits {logits}，只有最后一个位置（nanoGPT 生成时的捷径），loss 为 None；给出 targets 时 "
        "logits 为 {full}，loss 的形状为 ()"),
    "check.note.logits_targets": (
        "the logits without targets differ from those with targets by up to {diff:.2g}",
        "不给 targets 时的 logits 与给出 targets 时的最多相差 {diff:.2g}"),
    "check.hint.logits_targets": (
        "forward computes the same logits whether targets are given or not: only the loss depends on them",
        "无论是否给出 targets，forward 计算的 logits 都应相同：只有 loss 取决于 targets"),
    "check.note.loss_not_none": ("without targets the loss is a {got}; the course's is None",
                                 "不给 targets 时 loss 是 {got}；课程中是 None"),
    "check.note.loss_not_scalar": ("with targets the loss is {got}; the course's is one number, shape ()",
                                   "给出 targets 时 loss 是 {got}；课程中是一个数，形状为 ()"),
    "check.note.gpt.pos_emb.missing": ("no position embedding is added: the model cannot tell positions apart",
                                       "没有加上位置嵌入：模型分不清 token 的位置"),
    "check.hint.gpt.pos_emb": ("x = self.tok_emb(idx) + self.pos_emb(torch.arange(T, device=idx.device))",
                               "x = self.tok_emb(idx) + self.pos_emb(torch.arange(T, device=idx.device))"),
    "check.note.gpt.final_norm.missing": ("the final LayerNorm ln_f is not applied before lm_head",
                                          "在 lm_head 之前没有使用最后的 LayerNorm ln_f"),
    "check.hint.gpt.final_norm": ("x = self.ln_f(x) after the last block, then logits = self.lm_head(x)",
                                  "在最后一个块之后 x = self.ln_f(x)，再 logits = self.lm_head(x)"),
    "check.note.gpt.differs": ("the logits differ from glassgpt's by up to {diff:.2g}, and no classic mistake "
                               "explains it",
                               "logits 与 glassgpt 的最多相差 {diff:.2g}，且不是常见错误之一"),
    "check.hint.gpt.differs": ("tok_emb(idx) + pos_emb(positions), dropout, every block in order, ln_f, lm_head",
                               "tok_emb(idx) + pos_emb(位置)，dropout，依次经过每个块，ln_f，lm_head"),
    "check.note.gpt.loss": ("the logits match, but the loss is {got:.4f}; the cross-entropy of those logits is "
                            "{expected:.4f}",
                            "logits 一致，但 loss 是 {got:.4f}；这些 logits 的交叉熵是 {expected:.4f}"),
    "check.hint.gpt.loss": ("loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))",
                            "loss = F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))"),
    "check.note.params_ok": ("{got:,} = {formula} with V={V}, T_max={T_max}, L={L}, d={d}",
                             "{got:,} = {formula}，其中 V={V}，T_max={T_max}，L={L}，d={d}"),
    "check.note.param_count": ("{got:,} parameters; {formula} with V={V}, T_max={T_max}, L={L}, d={d} gives "
                               "{expected:,}",
                               "参数量为 {got:,}；按 {formula}（V={V}，T_max={T_max}，L={L}，d={d}）应为 {expected:,}"),
    "check.hint.param_count": (
        "per block: c_attn 3d*d + 3d, c_proj d*d + d, c_fc 4d*d + 4d, c_proj 4d*d + d, two LayerNorms 2d each",
        "每个块：c_attn 3d*d + 3d，c_proj d*d + d，c_fc 4d*d + 4d，c_proj 4d*d + d，两个 LayerNorm 各 2d"),
    "check.note.head_not_tied": (
        "{head} is a tensor of its own, not {tok} itself: a copy, with {extra:,} more parameters, trained apart",
        "{head} 是一个单独的张量，而不是 {tok} 本身：它只是一份拷贝，多出 {extra:,} 个参数，并且分开训练"),
    "check.hint.head_not_tied": ("self.lm_head.weight = self.tok_emb.weight: the same Parameter, not a copy",
                                 "self.lm_head.weight = self.tok_emb.weight：同一个 Parameter，而不是拷贝"),
    "check.note.init_loss_ok": ("{loss:.3f}; ln({vocab}) = {ln_vocab:.3f}", "{loss:.3f}；ln({vocab}) = {ln_vocab:.3f}"),
    "check.note.init_loss": (
        "the loss at initialisation is {loss:.3f}, far from ln({vocab}) = {ln_vocab:.3f}: the untrained model is "
        "sure of wrong answers instead of unsure of all",
        "初始化时的损失是 {loss:.3f}，离 ln({vocab}) = {ln_vocab:.3f} 很远：未训练的模型本该对所有答案都没把握，"
        "现在却很确信错误的答案"),
    "check.hint.init_loss": (
        "initialise every Linear and Embedding weight from N(0, 0.02) and every bias at 0 (GPT-2); nn.Embedding's "
        "default N(0, 1), used as the tied head, makes the logits large",
        "把每个 Linear 和 Embedding 的权重初始化为 N(0, 0.02)，偏置为 0（GPT-2 的做法）；nn.Embedding 默认的 "
        "N(0, 1) 用作绑定的输出头时，logits 会很大"),
    "check.note.gradients_ok": ("all {count} parameter tensors get a gradient", "全部 {count} 个参数张量都有梯度"),
    "check.note.no_gradient": ("no gradient reaches {names}", "梯度没有到达 {names}"),
    "check.hint.no_gradient": (
        ".detach(), .data, torch.no_grad(), or a layer that forward never uses cuts the path",
        ".detach()、.data、torch.no_grad()，或 forward 中从未用到的层，都会切断梯度的路径"),
    "check.note.timeout": (
        "still running after {seconds:g} s, the time limit, and stopped here; the checks after this one were not "
        "run",
        "超过时间限制 {seconds:g} 秒仍在运行，在这里被停止；之后的检查没有运行"),
    "check.hint.timeout": (
        "an endless loop? A while loop whose condition never changes, or a loop over something that never ends; "
        "if your code is only slow, give it more time with --timeout",
        "是不是死循环？比如条件永远不变的 while 循环，或在永远不会结束的序列上循环；如果只是运行得慢，可以用 "
        "--timeout 给它更多时间"),
    "check.note.crashed": ("Python itself crashed here ({error}); the checks after this one were not run",
                           "Python 本身在这里崩溃了（{error}）；之后的检查没有运行"),
    "check.hint.crashed": (
        "a crash (rather than an exception) comes from native code: ctypes, an extension module, or running out "
        "of memory",
        "崩溃（而不是异常）来自本地代码：ctypes、扩展模块，或者内存耗尽"),
    "check.note.exited": ("the process ended during this check, with exit status {status} and no exception; the "
                          "checks after this one were not run",
                          "进程在这项检查中结束了，退出状态为 {status}，没有抛出异常；之后的检查没有运行"),
    "check.hint.exited": ("look for os._exit(), or for exit() in code the check calls; a model should raise an "
                          "exception instead",
                          "检查是否调用了 os._exit()，或在被检查的代码中调用了 exit()；模型出错时应当抛出异常"),
    "check.note.garbled": (
        "the process running your file sent something that is not an answer ({error}); the checks after this one "
        "were not run",
        "运行你的文件的进程发回了不是应答的内容（{error}）；之后的检查没有运行"),
    "check.hint.garbled": (
        "does your code write to file descriptors it did not open? A model has no reason to touch the checker's "
        "pipes",
        "你的代码是否向不属于它的文件描述符写了东西？模型没有理由去碰检查器的管道"),
    "check.note.gradient_not_finite": ("the gradient of {names} holds NaN or inf", "{names} 的梯度中含有 NaN 或 inf"),
})
