"""What the CLI says in the `attention` mode: key -> (English, Chinese)."""

MESSAGES = {
    "attention.about": ("one attention head step by step with the real numbers, why the causal mask is needed, "
                        "and the attention weights as a heatmap (--plot: as a PNG)",
                        "用真实数值逐步演示一个注意力头、为什么需要因果掩码，并把注意力权重画成热图（--plot：画成 PNG）"),
    "attention.opt.layer": ("the layer to walk through and shade, 0 .. n_layer-1 (default 0; the "
                            "plot shows every layer unless given)",
                            "要逐步演示和画热图的层，0 .. n_layer-1（默认 0；不指定时图中画出所有层）"),
    "attention.opt.head": ("the head to walk through, 0 .. n_head-1 (default 0; the heatmap and "
                           "plot show every head unless given)",
                           "要逐步演示的头，0 .. n_head-1（默认 0；不指定时热图和图中画出所有头）"),
    "attention.opt.plot": ("also write the mask and every head's attention weights to this PNG",
                           "另外把掩码和每个头的注意力权重画到这个 PNG 文件"),
    "attention.bad_index": ("{option} {value} does not exist; choose from 0 to {last}",
                            "{option} {value} 不存在；请在 0 到 {last} 之间选择"),
    "attention.title": ("Self-attention, step by step: {config}", "自注意力，一步一步：{config}"),
    "attention.intro": (
        "Layer {layer}, head {head} of {nh} (head size hs = {hs}), with the model's own weights. Every number "
        "below is computed here from the tensors forward hooks caught, and checked against the model's own.",
        "第 {layer} 层、{nh} 个头中的第 {head} 个（头大小 hs = {hs}），用的是模型自己的权重。下面每个数都由前向钩子"
        "捕获的张量算出，并与模型自己的结果核对。"),
    "attention.example": (
        "A tiny example: T = {T} tokens {tokens}. Attention reads x = ln_1(the input of block {layer}), "
        "shape (T, d) = {shape}.",
        "一个小例子：T = {T} 个 token {tokens}。注意力读入 x = ln_1（第 {layer} 块的输入），形状 (T, d) = {shape}。"),
    "attention.step_qkv": (
        "1. Queries, keys and values of head {head}: Q = x W_q, K = x W_k, V = x W_v (this head's slice of "
        "c_attn), each (T, hs) = ({T}, {hs}). The first {shown} of {hs} columns:",
        "1. 第 {head} 个头的查询、键、值：Q = x W_q，K = x W_k，V = x W_v（c_attn 中属于这个头的那一段），"
        "形状都是 (T, hs) = ({T}, {hs})。只列出 {hs} 列中的前 {shown} 列："),
    "attention.step_scores": (
        "2. Scores S = Q K^T, (T, T) = ({T}, {T}): S[i, j] is how well query i matches key j (a dot product).",
        "2. 分数 S = Q K^T，形状 (T, T) = ({T}, {T})：S[i, j] 表示查询 i 与键 j 有多匹配（点积）。"),
    "attention.step_scale": (
        "3. Scale: S / sqrt(hs) = S x 1/sqrt({hs}) = S x {scale:.4f}.",
        "3. 缩放：S / sqrt(hs) = S x 1/sqrt({hs}) = S x {scale:.4f}。"),
    "attention.scale_why": (
        "Why: q . k adds up hs = {hs} products, so its spread grows like sqrt(hs). Measured on random "
        "q and k of variance 1: std(q . k) = {std_raw:.2f} before scaling, {std_scaled:.2f} after. Unscaled, "
        "the largest of {n} softmax weights averages {peak_raw:.2f} (nearly one-hot: the softmax saturates and its "
        "gradients vanish); scaled, {peak_scaled:.2f}.",
        "原因：q . k 是 hs = {hs} 个乘积之和，其分散程度随 sqrt(hs) 增长。在方差为 1 的随机 q、k 上实测："
        "缩放前 std(q . k) = {std_raw:.2f}，缩放后 {std_scaled:.2f}。不缩放时，{n} 个 softmax 权重中最大的平均为 "
        "{peak_raw:.2f}（接近 one-hot：softmax 饱和，梯度消失）；缩放后为 {peak_scaled:.2f}。"),
    "attention.step_mask": (
        "4. Causal mask on the scaled scores: where key j comes after query i (j > i), the score becomes -inf. "
        "A token must not see "
        "later tokens: in training, the next token is the answer it is asked to predict.",
        "4. 对缩放后的分数加因果掩码：键 j 在查询 i 之后（j > i）的位置，分数设为 -inf。一个 token 不能看到之后的 token："
        "训练时，下一个 token 正是要它预测的答案。"),
    "attention.step_softmax": (
        "5. Softmax of each row: the attention weights. exp(-inf) = 0, so masked entries are exactly 0 "
        "(printed as 0).",
        "5. 对每一行做 softmax：得到注意力权重。exp(-inf) = 0，所以被遮住的位置恰好是 0（显示为 0）。"),
    "attention.row_sums": ("row sums: {sums}", "每行之和：{sums}"),
    "attention.masked_zero": ("every masked entry is exactly 0.", "每个被遮住的位置都恰好是 0。"),
    "attention.masked_not_zero": ("some masked entry is not exactly 0: this is a fault.",
                                  "有被遮住的位置不是恰好为 0：这是个错误。"),
    "attention.same_as_model": (
        "These are the model's own weights, read at its hook point blocks.{layer}.attn.hook_pattern: nothing "
        "here is computed a second time.",
        "这些就是模型自己的权重，读自它的钩子点 blocks.{layer}.attn.hook_pattern：这里没有任何东西被重新计算。"),
    "attention.step_out": (
        "6. Weighted sum: out = weights @ V, (T, hs) = ({T}, {hs}): each token's output is an average of the "
        "values it may see. The first {shown} columns:",
        "6. 加权求和：out = 权重 @ V，形状 (T, hs) = ({T}, {hs})：每个 token 的输出是它能看到的值向量的加权平均。"
        "前 {shown} 列："),
    "attention.step_merge": (
        "7. Heads merged: the {nh} heads' outputs side by side, (T, nh x hs) = ({T}, {d}); head {head} fills "
        "columns {first} .. {last}. "
        "Then c_proj (d -> d) mixes the heads: {shape}, added to the residual stream.",
        "7. 合并各头：{nh} 个头的输出并排拼接，(T, nh x hs) = ({T}, {d})；第 {head} 个头占第 {first} .. {last} 列。"
        "随后 c_proj（d -> d）把各头混合："
        "{shape}，加回残差流。"),
    "attention.mask_title": ("Why the causal mask is needed", "为什么需要因果掩码"),
    "attention.mask_demo": (
        "Change the last token (t{position}: {old} -> {new}) and measure how far head {head} of layer {layer}'s "
        "output moves at each position (largest |change| of its vector), computed with the mask and without it:",
        "把最后一个 token 换掉（t{position}：{old} -> {new}），测量第 {layer} 层第 {head} 个头在每个位置的输出"
        "移动了多少（输出向量中最大的 |变化|），分别在有掩码和无掩码时计算："),
    "attention.col_with_mask": ("with the mask", "有掩码"),
    "attention.col_without_mask": ("without the mask", "无掩码"),
    "attention.mask_changed_marker": ("* the changed token; 0 means exactly 0.", "* 为被换掉的 token；0 表示恰好为 0。"),
    "attention.mask_why": (
        "With the mask, the earlier outputs do not move at all: each position depends only on itself and earlier "
        "tokens. That is what lets training predict every next token of a sequence at once without the answer "
        "leaking in, and what lets generation keep earlier results (the KV cache). Without the mask, every "
        "position sees the changed future token.",
        "有掩码时，之前位置的输出完全不动：每个位置只依赖自己和之前的 token。正因如此，训练时可以一次预测序列中"
        "每个位置的下一个 token 而不泄露答案，生成时也可以沿用之前的结果（KV 缓存）。没有掩码时，每个位置都看到了"
        "被改动的未来 token。"),
    "attention.mask_unexpected": (
        "Unexpected: the numbers above do not show the mask's effect (with it, earlier outputs should stay "
        "exactly the same; without it, they should move).",
        "意外：上面的数没有体现掩码的作用（有掩码时之前的输出应完全不变，无掩码时应有变化）。"),
    "attention.mask_demo_skipped": (
        "This needs at least 2 tokens and a vocabulary of at least 2; this config has too few.",
        "这个演示至少需要 2 个 token、词表至少 2 个；此配置不够。"),
    "attention.heatmap_heading": ("Attention weights as a heatmap", "注意力权重热图"),
    "attention.heatmap_title": ("Layer {layer}, on the tokens above. Rows: the query token; columns: the key "
                                "token it looks at.",
                                "第 {layer} 层，即上面的 token。行：查询 token；列：它所看的键 token。"),
    "attention.heatmap_legend": (
        "{s0} below {b1}   {s1} {b1} to {b2}   {s2} {b2} to {b3}   {s3} {b3} to 1   {m} masked: a later key, no "
        "weight at all. The boundaries lie between 1/4, 1/3, 1/2 and 1, so a row spread evenly over a few keys "
        "keeps one shade instead of flickering between two.",
        "{s0} 低于 {b1}   {s1} {b1} 到 {b2}   {s2} {b2} 到 {b3}   {s3} {b3} 到 1   {m} 被遮住：之后的键，根本没有权重。"
        "分界点位于 1/4、1/3、1/2 与 1 之间，因此平均分给几个键的一行只有一种深浅，不会在两种之间跳动。"),
    "attention.heatmap_head": ("head {head}", "头 {head}"),
    "attention.plot_written": (
        "Wrote {file}: the causal mask, then one panel of attention weights per head: {layers} layer(s) x "
        "{heads} head(s) = {panels}.",
        "已写入 {file}：因果掩码，以及每个头一幅注意力权重图：{layers} 层 x {heads} 个头 = {panels} 幅。"),
    "attention.first_tokens": (
        "The step-by-step view shows the first {shown} of the {T} tokens: causal attention lets them see nothing "
        "later, so their numbers are exactly those of the whole text. The heatmap below shows all {T}.",
        "逐步演示只显示 {T} 个 token 中的前 {shown} 个：因果注意力让它们看不到之后的任何东西，所以这些数与整段文字中"
        "的完全相同。下面的热图显示全部 {T} 个。"),
    "attention.plot_positions": (
        "The figure labels the tokens by position (t0, t1, ...): no installed font can draw their text.",
        "图中用位置（t0、t1……）标注 token：本机没有能显示其文字的字体。"),
    "attention.plot.title": ("Attention weights on {T} tokens (rows: query, columns: key)",
                             "{T} 个 token 上的注意力权重（行：查询，列：键）"),
    "attention.plot.mask": ("causal mask\n(white: may look; grey: masked)", "因果掩码\n（白色：可以看；灰色：被遮住）"),
    "attention.plot.panel": ("layer {layer} · head {head}", "第 {layer} 层 · 头 {head}"),
    "attention.plot.key": ("key", "键"),
    "attention.plot.query": ("query", "查询"),
    "attention.plot.colorbar": ("attention weight (grey: masked, no weight)", "注意力权重（灰色：被遮住，没有权重）"),
}
