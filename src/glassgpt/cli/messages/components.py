"""What the CLI says in the `components` mode: key -> (English, Chinese)."""

MESSAGES = {
    "components.about": ("every component of the model with the shapes a real forward pass gave it, and its "
                         "parameters",
                         "模型的每个组件，以及一次真实前向传播中它的形状和参数量"),
    "components.title": ("GPT components: {config}", "GPT 的各个组件：{config}"),
    "components.intro": (
        "One real forward pass on B = {B} sequences of T = {T} random tokens. Every shape below was seen by a "
        "forward hook on the module itself; nothing is typed in by hand.",
        "在 B = {B} 条、每条 T = {T} 个随机 token 的输入上真实地前向传播一次。下面每个形状都由挂在该模块上的"
        "前向钩子（forward hook）实际看到，没有一个是手写的。"),
    "components.intro_text": (
        "One real forward pass on the text: B = {B} sequence of T = {T} tokens. Every shape below was seen by a "
        "forward hook on the module itself; nothing is typed in by hand.",
        "在这段文字上真实地前向传播一次：B = {B} 条序列，T = {T} 个 token。下面每个形状都由挂在该模块上的"
        "前向钩子（forward hook）实际看到，没有一个是手写的。"),
    "components.derived": (
        "Names in ( ) are steps inside attention's forward, not modules; their shapes come from the tensors the "
        "hooks caught. Attention ran on its written-out path, flash off (same weights, same result as the fused "
        "SDPA kernel, which never shows its weights).",
        "带括号的名字是注意力 forward 内部的步骤，不是模块；它们的形状由钩子捕获的张量算出。注意力走的是逐步写出的"
        "路径，即关闭 flash（权重相同、结果与融合的 SDPA 内核一致，只是 SDPA 不交出注意力权重）。"),
    "components.col_name": ("component", "组件"),
    "components.col_shapes": ("input -> output", "输入 -> 输出"),
    "components.col_params": ("parameters", "参数量"),
    "components.shared": ("shared", "共用"),
    "components.tied": ("Its weight is {owner}'s weight: one tensor, counted once.",
                        "它的权重就是 {owner} 的权重：同一个张量，只计一次。"),
    "components.same_blocks": ("the same shapes as blocks.0 (hooks); each:", "形状与 blocks.0 相同（钩子所见）；每块："),
    "components.whole": ("whole GPT", "整个 GPT"),
    "components.total_note": (
        "The whole GPT has {total:,} parameters: each tensor counted once, so a tied LM head adds nothing.",
        "整个 GPT 共有 {total:,} 个参数：每个张量只计一次，因此共用权重的 LM head 不再增加参数。"),
    "components.what.tok_emb": ("token embedding: each token id picks a learned row of d = {d} numbers",
                                "词嵌入：每个 token id 取出一行可学习的 d = {d} 个数"),
    "components.what.pos_emb": ("position embedding: a learned vector per position (up to {block_size}), added",
                                "位置嵌入：每个位置（最多 {block_size} 个）一个可学习的向量，加到 token 向量上"),
    "components.what.drop": ("dropout (p = {p}) on the sum: zeroes random numbers, only while training",
                             "对两者之和做 dropout（p = {p}）：随机置零，只在训练时生效"),
    "components.what.block": ("one transformer block: x = x + attn(ln_1(x)), then x = x + mlp(ln_2(x))",
                              "一个 Transformer 块：x = x + attn(ln_1(x))，再 x = x + mlp(ln_2(x))"),
    "components.what.ln_1": ("LayerNorm: each token's vector to mean 0, variance 1; learned gain, shift",
                             "LayerNorm：每个 token 的向量归一到均值 0、方差 1，再乘增益、加偏移"),
    "components.what.attn": ("causal self-attention, {nh} heads of {hs}: a token reads itself and earlier ones",
                             "因果自注意力，{nh} 个头、每头 {hs} 维：每个 token 读取自己和之前的 token"),
    "components.what.attn.c_attn": ("Linear d -> 3d: queries, keys and values of all heads at once",
                                    "线性层 d -> 3d：一次算出所有头的查询 Q、键 K、值 V"),
    "components.what.attn.split_heads": ("Q, K, V each cut into {nh} heads of {hs}; heads go next to the batch",
                                         "Q、K、V 各切成 {nh} 个头、每头 {hs} 个数；头维挪到 batch 旁"),
    "components.what.attn.scores": ("scores Q K^T / sqrt({hs}): how well each query matches each key",
                                    "分数 Q K^T / sqrt({hs})：每个查询与每个键有多匹配"),
    "components.what.attn.mask": ("causal mask: scores of later keys set to -inf, so a token cannot see the future",
                                  "因果掩码：之后的键的分数设为 -inf，token 看不到未来"),
    "components.what.attn.softmax": ("softmax per row: the attention weights, each row sums to 1",
                                     "逐行 softmax：注意力权重，每行之和为 1"),
    "components.what.attn.attn_dropout": ("dropout (p = {p}) on the attention weights; only while training",
                                          "对注意力权重做 dropout（p = {p}）；只在训练时生效"),
    "components.what.attn.weighted_sum": ("weights @ V: each token's output is a weighted average of the values",
                                          "权重 @ V：每个 token 的输出是各个值向量的加权平均"),
    "components.what.attn.merge_heads": ("the heads side by side again: {nh} x {hs} = {d} numbers per token",
                                         "各个头重新并排拼回：每个 token {nh} x {hs} = {d} 个数"),
    "components.what.attn.c_proj": ("Linear d -> d mixes the heads; its output is added to the residual stream",
                                    "线性层 d -> d 把各头的结果混合；输出加回残差流"),
    "components.what.attn.resid_dropout": ("dropout (p = {p}) on attention's output; only while training",
                                           "对注意力的输出做 dropout（p = {p}）；只在训练时生效"),
    "components.what.ln_2": ("LayerNorm before the MLP", "MLP 之前的 LayerNorm"),
    "components.what.mlp": ("MLP, each token alone: {d} -> {d4} (4 x d), GELU, back to {d}",
                            "MLP，每个 token 各自计算：{d} -> {d4}（4 x d），GELU，再回到 {d}"),
    "components.what.mlp.c_fc": ("Linear d -> 4d = {d4}", "线性层 d -> 4d = {d4}"),
    "components.what.mlp.gelu": ("GELU: a smooth bend, so the MLP is more than one linear map",
                                 "GELU：平滑的非线性，让 MLP 不只是一个线性变换"),
    "components.what.mlp.c_proj": ("Linear 4d -> d; its output is added to the residual stream",
                                   "线性层 4d -> d；输出加回残差流"),
    "components.what.mlp.dropout": ("dropout (p = {p}) on the MLP's output; only while training",
                                    "对 MLP 的输出做 dropout（p = {p}）；只在训练时生效"),
    "components.what.ln_f": ("final LayerNorm, after the last block", "最后一个块之后的最终 LayerNorm"),
    "components.what.lm_head": ("LM head: Linear d -> vocab, one score (logit) for each of the {vocab} tokens.",
                                "LM head：线性层 d -> vocab，给 {vocab} 个 token 各打一个分数（logit）。"),
}
