"""What the CLI says in the `params` mode: key -> (English, Chinese)."""

MESSAGES = {
    "opt.tie_weights": (  # a common option (cli/options.py), added with params mode
        "the LM head reuses the token embedding matrix, as in GPT-2 (--no-tie-weights: a matrix of its own)",
        "输出头复用词元嵌入矩阵，与 GPT-2 相同（--no-tie-weights：输出头用自己的矩阵）"),
    "params.about": ("parameters, FLOPs and memory from the config alone (no model built); --preset all for "
                     "every preset",
                     "只由配置算出参数量、FLOPs 与内存（不构建模型）；--preset all 列出所有预设"),
    "params.opt.seq_len": ("sequence length T of the FLOP figures (default: block_size)",
                           "FLOPs 所按的序列长度 T（默认：block_size）"),
    "params.opt.json": ("print one JSON object for machines instead of the tables",
                        "输出一个供程序读取的 JSON 对象，而不是表格"),
    "params.seq_len_preset": ("--seq-len {seq_len} does not fit preset {name}: it takes 1 to {block_size} tokens",
                              "--seq-len {seq_len} 不适用于预设 {name}：它只接受 1 到 {block_size} 个 token"),
    "params.title": ("Parameters, FLOPs and memory, computed from the config alone (no model built)",
                     "参数量、FLOPs 与内存：只由配置算出（不构建模型）"),
    "params.symbols": (
        "  V = vocab_size = {V:<10} T_max = block_size = {T_max}\n"
        "  L = n_layer = {L:<13} d = n_embd = {d}\n"
        "  n_head = {n_head}: the heads share out d ({head_size} each), so they change no count",
        "  V = vocab_size = {V:<10} T_max = block_size = {T_max}\n"
        "  L = n_layer = {L:<13} d = n_embd = {d}\n"
        "  n_head = {n_head}：各头分用 d（每头 {head_size} 维），所以不改变任何计数"),
    "params.bias_yes": ("  biases: yes, in every Linear layer and LayerNorm", "  偏置：有，每个线性层和 LayerNorm 都有"),
    "params.bias_no": ("  biases: none (--no-bias); each LayerNorm keeps only its gain",
                       "  偏置：无（--no-bias）；每个 LayerNorm 只保留增益"),
    "params.col.name": ("name in the model", "模型中的名称"),
    "params.col.what": ("what it is", "含义"),
    "params.col.formula": ("formula", "公式"),
    "params.col.count": ("parameters", "参数量"),
    "params.what.tok_emb": ("token embedding", "词元嵌入表"),
    "params.what.pos_emb": ("position embedding", "位置嵌入表"),
    "params.what.blocks": ("{L} blocks, see below", "{L} 个块，见下"),
    "params.what.ln_f": ("final LayerNorm", "最后的 LayerNorm"),
    "params.what.lm_head": ("LM head, untied", "输出头（未绑定）"),
    "params.what.lm_head_tied": ("LM head: tied, adds 0", "输出头：已绑定，计 0"),
    "params.what.total": ("all, each counted once", "全部，每个只计一次"),
    "params.one_block": ("One block (blocks.0 to blocks.{last} are alike):",
                         "一个块（blocks.0 到 blocks.{last} 都一样）："),
    "params.what.layer_norm": ("LayerNorm gain+shift", "LayerNorm 增益+偏移"),
    "params.what.layer_norm_gain": ("LayerNorm gain", "LayerNorm 增益"),
    "params.what.attn.c_attn.weight": ("Q, K, V projections", "Q、K、V 投影"),
    "params.what.attn.c_attn.bias": ("their biases", "它们的偏置"),
    "params.what.attn.c_proj.weight": ("attention output", "注意力输出投影"),
    "params.what.attn.c_proj.bias": ("its bias", "它的偏置"),
    "params.what.mlp.c_fc.weight": ("MLP up, d -> 4d", "MLP 升维 d -> 4d"),
    "params.what.mlp.c_fc.bias": ("its bias", "它的偏置"),
    "params.what.mlp.c_proj.weight": ("MLP down, 4d -> d", "MLP 降维 4d -> d"),
    "params.what.mlp.c_proj.bias": ("its bias", "它的偏置"),
    "params.what.block": ("one block", "一个块"),
    "params.tied": (
        "The LM head is tied: lm_head.weight is tok_emb.weight itself (one tensor, one\n"
        "gradient), counted once, in tok_emb; untied it would add V*d = {vd:,}.",
        "输出头已绑定：lm_head.weight 就是 tok_emb.weight 本身（同一个张量、\n"
        "同一份梯度），只在 tok_emb 中计一次；若不绑定，会多出 V*d = {vd:,} 个参数。"),
    "params.untied": (
        "The LM head is untied (--no-tie-weights): a V*d matrix of its own, {vd:,}\n"
        "parameters; tied, as in GPT-2, it would add nothing.",
        "输出头未绑定（--no-tie-weights）：它有自己的 V*d 矩阵，{vd:,} 个参数；\n"
        "若像 GPT-2 那样绑定，则不增加任何参数。"),
    "params.non_embedding": (
        "Non-embedding parameters: {non_embedding:,} = total - tok_emb - pos_emb, the N of\n"
        "Kaplan et al. 2020 (an untied LM head stays in: it is a Linear layer).",
        "非嵌入参数：{non_embedding:,} = 总数 - tok_emb - pos_emb，即 Kaplan 等 2020 的 N\n"
        "（未绑定的输出头仍计入：它是线性层，不是查表）。"),
    "params.estimate": (
        "The course's estimate 12*L*d^2 = {estimate:,} is {short:.1%} below the total and\n"
        "{short_non_embedding:.2%} below the non-embedding count. It counts only the four weight\n"
        "matrices of each block (4d^2 in attention, 8d^2 in the MLP) and leaves out:",
        "课程的估算 12*L*d^2 = {estimate:,}，比总数少 {short:.1%}，\n"
        "比非嵌入参数少 {short_non_embedding:.2%}。它只数每个块的四个权重矩阵\n"
        "（注意力 4d^2，MLP 8d^2），漏掉了："),
    "params.left_out.embeddings": ("token and position embeddings", "词元与位置嵌入表"),
    "params.left_out.biases_and_layer_norms": ("biases and LayerNorms", "偏置与 LayerNorm"),
    "params.left_out.layer_norm_gains": ("LayerNorm gains", "LayerNorm 增益"),
    "params.left_out.lm_head": ("the untied LM head", "未绑定的输出头"),
    "params.flops_title": (
        "FLOPs per token, in one sequence of T = {T} tokens (--seq-len). A multiply-add\n"
        "is 2 FLOPs; only matrix multiplications are counted:",
        "每个 token 的 FLOPs，按一条 T = {T} 个 token 的序列（--seq-len）。\n"
        "一次乘加算 2 FLOPs；只计矩阵乘法："),
    "params.flops.block_weights": ("weight matmuls of the blocks", "各块的权重矩阵乘"),
    "params.flops.attention": ("attention QK^T and AV, all T*T", "注意力 QK^T 与 AV，全部 T*T"),
    "params.flops.lm_head": ("LM head", "输出头"),
    "params.flops.forward": ("forward pass, exact", "前向传播，精确值"),
    "params.flops.training": ("training step: forward + backward", "训练一步：前向 + 反向"),
    "params.flops_exact": (
        "  Exact: torch's FlopCounterMode counts the same (manual attention path). A\n"
        "  dense kernel computes all T*T attention scores; the causal mask keeps only\n"
        "  T(T+1)/2 of them: 2*L*(T+1)*d = {causal:,}.",
        "  精确：与 torch 的 FlopCounterMode 计数相同（手写注意力路径）。\n"
        "  稠密内核算出全部 T*T 个注意力分数；因果掩码只保留其中 T(T+1)/2 个：\n"
        "  2*L*(T+1)*d = {causal:,}。"),
    "params.flops.kaplan": ("Kaplan et al. 2020, C_forward", "Kaplan 等 2020 的 C_forward"),
    "params.flops_kaplan_note": (
        "    N = non-embedding parameters; attention counted for the causal half only;\n"
        "    the LM head (2*d*V, their \"de-embed\") counts only when untied, through N.",
        "    N 为非嵌入参数；注意力只按因果的一半计；\n"
        "    输出头（2*d*V，论文中的 de-embed）只在未绑定时经由 N 计入。"),
    "params.flops.six_n": ("6N rule, training step", "6N 法则，训练一步"),
    "params.flops_six_n_note": (
        "    2N forward + 4N backward; leaves out attention, and the LM head unless\n"
        "    untied; both are small only when T << 12*d and V << 12*L*d.",
        "    前向 2N + 反向 4N；不计注意力，输出头也只在未绑定时计入；\n"
        "    只有当 T << 12*d 且 V << 12*L*d 时两者才可忽略。"),
    "params.memory_title": ("Memory in bytes; P = {P:,} parameters; activations not included:",
                            "内存（字节）；P = {P:,} 个参数；不含激活值："),
    "params.memory.weights_fp32": ("weights, fp32", "权重，fp32"),
    "params.memory.weights_bf16": ("weights, bf16", "权重，bf16"),
    "params.memory.training_fp32": ("training with AdamW, fp32", "用 AdamW 训练，fp32"),
    "params.memory.kv_cache_per_token_fp32": ("KV cache per token, fp32", "KV 缓存，每个 token，fp32"),
    "params.memory.kv_cache_per_token_bf16": ("KV cache per token, bf16", "KV 缓存，每个 token，bf16"),
    "params.memory.kv_cache_full_context_fp32": ("KV cache for T_max tokens, fp32", "KV 缓存，T_max 个 token，fp32"),
    "params.memory.kv_cache_full_context_bf16": ("KV cache for T_max tokens, bf16", "KV 缓存，T_max 个 token，bf16"),
    "params.memory_note": (
        "  Training: weights, gradients and AdamW's two moments, 4P bytes each. KV cache:\n"
        "  a key and a value (2) of d numbers per layer (L) per token, for one sequence.",
        "  训练：权重、梯度和 AdamW 的两个动量，各 4P 字节。KV 缓存：每个 token\n"
        "  在每层（L）存一个键和一个值（2），各 d 个数；按一条序列计。"),
    "params.all_title": ("Every preset, computed from its config alone (no model built)",
                         "全部预设，只由配置算出（不构建模型）"),
    "params.all_flops_at": ("FLOPs per token at T = {T} tokens (--seq-len)", "每个 token 的 FLOPs，T = {T}（--seq-len）"),
    "params.all_flops_at_full": ("FLOPs per token at each preset's full context, T = T_max",
                                 "每个 token 的 FLOPs，按各预设的完整上下文 T = T_max"),
    "params.all_head1": ("preset|L|n_head|d|V|T_max|parameters|12*L*d^2", "预设|L|n_head|d|V|T_max|参数量|12*L*d^2"),
    "params.all_head2": ("preset|non-embedding|forward FLOPs|training FLOPs|AdamW state",
                         "预设|非嵌入参数|前向 FLOPs|训练 FLOPs|AdamW 状态"),
    "params.all_note": (
        "12*L*d^2: how far the course's estimate is off the total. AdamW state: weights,\n"
        "gradients and AdamW's two moments, fp32. `glassgpt params --preset NAME` shows\n"
        "where every figure comes from.",
        "12*L*d^2：课程估算与总数的偏差。AdamW 状态：权重、梯度与 AdamW 的两个动量，\n"
        "均为 fp32。`glassgpt params --preset NAME` 会逐项说明每个数字的来历。"),
}
