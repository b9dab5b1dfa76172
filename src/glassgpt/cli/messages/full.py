"""What the CLI says in the `full` mode: key -> (English, Chinese)."""

MESSAGES = {
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
    "full.ln_vocab": ("ln(vocab_size)      = ln({vocab}) = {ln_vocab:.4f}", "ln(vocab_size)     = ln({vocab}) = {ln_vocab:.4f}"),
    "full.loss_why": (
        "Why they agree: the initial weights are small, so the logits are too (std {std:.3f}) and softmax gives "
        "every token nearly the same probability 1/V = {uniform:.5f} (here from {p_min:.5f} to {p_max:.5f}). "
        "The loss of a uniform guess is -ln(1/V) = ln V = {ln_vocab:.4f}. A loss far above it at step 0 means "
        "a bad initialisation.",
        "为什么两者接近：初始权重很小，logits 也很小（标准差 {std:.3f}），softmax 给每个 token 的概率都接近 "
        "1/V = {uniform:.5f}（这里在 {p_min:.5f} 到 {p_max:.5f} 之间）。均匀猜测的损失是 -ln(1/V) = ln V = "
        "{ln_vocab:.4f}。若第 0 步的损失远高于它，说明初始化有问题。"),
    "full.generate_title": ("A short generation, {n} new tokens with model.generate (untrained, so random):",
                            "用 model.generate 生成 {n} 个新 token（未训练，所以是随机的）："),
    "full.prompt": ("prompt     {ids}", "提示       {ids}"),
    "full.generated": ("generated  {ids}", "生成       {ids}"),
    "full.generate_how": (
        "Each step runs the model on the tokens so far, takes the logits of the last position, samples one "
        "token from their softmax and appends it.",
        "每一步都把已有的 token 送进模型，取最后一个位置的 logits，从其 softmax 中采样一个 token 并接在后面。"),
}
