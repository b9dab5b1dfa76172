"""What the CLI says in the `full` mode: key -> (English, Chinese)."""

MESSAGES = {
    "full.about": ("the whole GPT drawn with this config's numbers, a traced forward pass, the loss, a generation",
                   "用此配置的真实数值画出整个 GPT，追踪一次前向传播，损失，以及一次生成"),
    "full.title": ("The whole GPT: {config}", "完整的 GPT：{config}"),
    "full.symbols": (
        "Real numbers of this config: B = {B} sequences, T = {T} tokens each, width d = {d}, nh = {nh} heads of "
        "head size hs = d / nh = {hs}, MLP width 4d = {d4}, vocabulary V = {V}, N = {N} blocks.",
        "此配置的真实数值：B = {B} 条序列，每条 T = {T} 个 token，宽度 d = {d}，nh = {nh} 个头，"
        "头大小 hs = d / nh = {hs}，MLP 宽度 4d = {d4}，词表 V = {V}，N = {N} 个块。"),
    "full.arrow.idx": ("idx (B, T) = ({B}, {T}): token ids", "idx (B, T) = ({B}, {T})：token id"),
    "full.arrow.x": ("x (B, T, d) = {shape}", "x (B, T, d) = {shape}"),
    "full.arrow.logits": ("logits (B, T, V) = {shape}", "logits (B, T, V) = {shape}"),
    "full.box.tok_emb": ("token embedding      V x d = {V} x {d}", "词嵌入        V x d = {V} x {d}"),
    "full.box.pos_emb": ("+ position embedding  block_size x d = {block_size} x {d}",
                         "+ 位置嵌入   block_size x d = {block_size} x {d}"),
    "full.box.blocks": ("N = {N} x transformer block (pre-LayerNorm)", "N = {N} x Transformer 块（先 LayerNorm）"),
    "full.box.attn": ("x = x + attention(LayerNorm(x))", "x = x + attention(LayerNorm(x))"),
    "full.box.heads": ("  causal, {nh} heads x head size {hs} = d = {d}", "  因果，{nh} 个头 x 头大小 {hs} = d = {d}"),
    "full.box.qkv": ("  Q, K, V (B, nh, T, hs) = {shape}", "  Q、K、V (B, nh, T, hs) = {shape}"),
    "full.box.weights": ("  weights (B, nh, T, T) = {shape}", "  权重 (B, nh, T, T) = {shape}"),
    "full.box.mlp": ("x = x + MLP(LayerNorm(x))", "x = x + MLP(LayerNorm(x))"),
    "full.box.mlp_sizes": ("  d -> 4d -> d = {d} -> {d4} -> {d}, GELU", "  d -> 4d -> d = {d} -> {d4} -> {d}，GELU"),
    "full.box.ln_f": ("final LayerNorm (d = {d})", "最终 LayerNorm（d = {d}）"),
    "full.box.lm_head": ("LM head  d -> V = {d} -> {V}", "LM head  d -> V = {d} -> {V}"),
    "full.box.lm_head_tied": ("LM head  d -> V = {d} -> {V}, tied to the token embedding",
                              "LM head  d -> V = {d} -> {V}，与词嵌入共用权重"),
    "full.trace_title": ("The forward pass, traced by forward hooks:", "前向传播的实际轨迹（由前向钩子记录）："),
    "full.col.stage": ("stage", "阶段"),
    "full.col.shape": ("shape", "形状"),
    "full.col.std": ("std", "标准差"),
    "full.stage.embed": ("tok_emb + pos_emb -> x", "tok_emb + pos_emb -> x"),
    "full.stage.logits": ("lm_head -> logits", "lm_head -> logits"),
    "full.std_note": (
        "std: how spread out the numbers are. Each block adds to x (the residual stream); the final LayerNorm "
        "brings it back to about 1.",
        "标准差：数值的分散程度。每个块都往 x（残差流）上加东西；最终 LayerNorm 把它拉回到 1 左右。"),
    "full.loss_title": ("Loss at initialisation, on random next tokens:", "初始化时的损失（下一个 token 随机）："),
    "full.loss": ("cross-entropy loss  = {loss:.4f}", "交叉熵损失         = {loss:.4f}"),
    "full.ln_vocab": ("ln(vocab_size)      = ln({vocab}) = {ln_vocab:.4f}", "ln(vocab_size)     = ln({vocab}) = "
    "{ln_vocab:.4f}"),
    "full.loss_why": (
        "Why they agree: the initial weights are small, so the logits are too (std {std:.3f}) and softmax gives "
        "every token nearly the same probability 1/V = {uniform:.3g} (here from {p_min:.3g} to {p_max:.3g}, at "
        "most {ratio:.1f} times apart). The loss of a uniform guess is -ln(1/V) = ln V = {ln_vocab:.4f}. A loss "
        "far above it at step 0 means a bad initialisation.",
        "为什么两者接近：初始权重很小，logits 也很小（标准差 {std:.3f}），softmax 给每个 token 的概率都接近 "
        "1/V = {uniform:.3g}（这里在 {p_min:.3g} 到 {p_max:.3g} 之间，最多相差 {ratio:.1f} 倍）。均匀猜测的损失是 "
        "-ln(1/V) = ln V = {ln_vocab:.4f}。若第 0 步的损失远高于它，说明初始化有问题。"),
    "full.loss_why_spread": (
        "Why they are close: on random next tokens the loss averages ln V plus a penalty for probabilities that "
        "are not uniform, about half the variance of the logits while they are small. The initial weights are "
        "small, so the logits are too (std {std:.3f}): the penalty is about {half_var:.4f}. This loss, of only "
        "{count} random targets, wanders by about ±{noise:.4f} around that average; it is {gap:+.4f} from ln V. "
        "The probabilities themselves are not alike: they range from {p_min:.3g} to "
        "{p_max:.3g}, the largest {ratio:.0f} times the smallest, around 1/V = {uniform:.3g}. A loss far above "
        "ln V at step 0 means a bad initialisation.",
        "为什么两者接近：在随机的下一个 token 上，损失平均等于 ln V 加上一项惩罚，惩罚的是概率偏离均匀的程度；"
        "logits 很小时，它约为 logits 方差的一半。初始权重很小，logits 也很小（标准差 {std:.3f}）：惩罚约为 "
        "{half_var:.4f}。这里的损失只来自 {count} 个随机目标，会在这个平均值附近波动约 ±{noise:.4f}；它与 ln V 相差 "
        "{gap:+.4f}。但各个概率本身并不相同：它们在 {p_min:.3g} 到 {p_max:.3g} "
        "之间，最大的是最小的 {ratio:.0f} 倍，围绕 1/V = {uniform:.3g} 分布。若第 0 步的损失远高于 ln V，"
        "说明初始化有问题。"),
    "full.loss_title_loaded": ("Loss of the loaded model, on random next tokens:",
                               "加载的模型在随机的下一个 token 上的损失："),
    "full.loss_why_loaded": (
        "On random next tokens the loss averages ln V plus a penalty for probabilities that are not uniform; here "
        "it is {gap:+.4f} from ln V (probabilities from {p_min:.3g} to {p_max:.3g} around 1/V = {uniform:.3g}). "
        "At initialisation the two are close; a model that has learned to prefer some tokens scores worse than "
        "ln V on random ones.",
        "在随机的下一个 token 上，损失平均等于 ln V 加上一项惩罚，惩罚的是概率偏离均匀的程度；这里它与 ln V 相差 "
        "{gap:+.4f}（概率在 {p_min:.3g} 到 {p_max:.3g} 之间，围绕 1/V = {uniform:.3g}）。初始化时两者接近；"
        "学会了偏爱某些 token 的模型，在随机 token 上的损失会高于 ln V。"),
    "full.generate_title": ("A short generation, {n} new tokens with model.generate (untrained, so random):",
                            "用 model.generate 生成 {n} 个新 token（未训练，所以是随机的）："),
    "full.generate_title_loaded": ("A short generation, {n} new tokens with model.generate:",
                                   "用 model.generate 生成 {n} 个新 token："),
    "full.prompt": ("prompt     {ids}", "提示       {ids}"),
    "full.generated": ("generated  {ids}", "生成       {ids}"),
    "full.as_text": ("as text    \"{prompt}\" + \"{generated}\"", "文字       \"{prompt}\" + \"{generated}\""),
    "full.generate_how": (
        "Each step runs the model on the tokens so far, takes the logits of the last position, samples one "
        "token from their softmax and appends it.",
        "每一步都把已有的 token 送进模型，取最后一个位置的 logits，从其 softmax 中采样一个 token 并接在后面。"),
}
