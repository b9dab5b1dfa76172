"""Every sentence the CLI says to a person, in English and Simplified Chinese: the one message table.

`MESSAGES[key] = (english, chinese)`. Both sides use the same `{fields}`; numbers and shapes are filled in by the
code, so they are identical in both languages. A test fails if a key lacks a language or the fields differ.
Library errors (`GlassGPTError`) are said through the `error.<key>` entries.
"""

import os

LANGUAGES = ("en", "zh")

MESSAGES = {
    # --- common: options, errors, help -------------------------------------------------------------------------
    "prog.description": (
        "glassgpt: a GPT you can see through. Modes: components, full, params, attention, generate, check, all.",
        "glassgpt：一个看得透的 GPT。模式：components、full、params、attention、generate、check、all。",
    ),
    "opt.mode": ("what to show or do (also accepted as the first word)", "要展示或执行的内容（也可作为第一个词给出）"),
    "opt.lang": ("language of the output: en or zh (default: from the locale)", "输出语言：en 或 zh（默认取自系统区域设置）"),
    "opt.preset": ("named configuration to start from (default: {default}); known: {known}",
                   "起始的预设配置（默认：{default}）；可选：{known}"),
    "opt.vocab_size": ("vocabulary size (number of distinct tokens)", "词表大小（不同 token 的个数）"),
    "opt.block_size": ("context length: the most tokens the model sees at once", "上下文长度：模型一次最多看到的 token 数"),
    "opt.n_layer": ("number of transformer blocks", "Transformer 块的层数"),
    "opt.n_head": ("attention heads per block", "每个块的注意力头数"),
    "opt.n_embd": ("embedding width d (must be divisible by n_head)", "嵌入维度 d（必须能被 n_head 整除）"),
    "opt.dropout": ("dropout probability in [0, 1)", "dropout 概率，取值 [0, 1)"),
    "opt.bias": ("biases in Linear layers and LayerNorms (--no-bias to leave them out)",
                 "线性层与 LayerNorm 使用偏置（--no-bias 去掉偏置）"),
    "opt.checkpoint": ("load the model from this Hugging Face GPT-2 folder (config.json + model.safetensors)",
                       "从此 Hugging Face GPT-2 目录加载模型（config.json + model.safetensors）"),
    "opt.dtype": (
        "number format of weights and activations: fp32 (default); bf16 (half the memory, fp32's range, about 3 "
        "significant digits); fp16 (half the memory, but overflows above 65504 and is slow on most CPUs; "
        "training in fp16 needs loss scaling)",
        "权重与激活的数值格式：fp32（默认）；bf16（内存减半，数值范围与 fp32 相同，约 3 位有效数字）；"
        "fp16（内存减半，但超过 65504 会溢出，且在多数 CPU 上很慢；用 fp16 训练需要损失缩放）"),
    "opt.seed": ("random seed for weights and inputs (default: {default})", "权重与输入的随机种子（默认：{default}）"),
    "opt.device": ("device to run on: cpu, cuda, mps or auto (default: cpu)", "运行设备：cpu、cuda、mps 或 auto（默认：cpu）"),
    "opt.words": ("the mode, then its arguments (check takes a FILE)", "模式，以及它的参数（check 需要一个文件 FILE）"),
    "usage.error": ("glassgpt: error: {detail}", "glassgpt：错误：{detail}"),
    "usage.unknown_mode": ("unknown mode {mode!r}; choose one of: {known}", "未知模式 {mode!r}；可选：{known}"),
    "usage.extra_words": ("unexpected argument(s) for mode {mode}: {words}", "模式 {mode} 不接受这些参数：{words}"),
    "usage.device_unavailable": ("device {device} is not available on this machine; use --device cpu",
                                 "本机没有设备 {device}；请使用 --device cpu"),
    "usage.checkpoint_and_config": (
        "--checkpoint fixes the configuration; leave out {options}",
        "--checkpoint 已确定模型配置；请去掉 {options}"),
    "usage.interrupted": ("interrupted", "已中断"),
    # library errors (GlassGPTError keys)
    "error.config_not_int": ("{field} must be a whole number, got {value}; pass an int such as 64",
                             "{field} 必须是整数，收到 {value}；请给出如 64 这样的整数"),
    "error.config_not_positive": ("{field} must be positive, got {value}; pass a value of at least 1",
                                  "{field} 必须为正数，收到 {value}；请给出至少为 1 的值"),
    "error.config_heads_divide": (
        "n_embd ({n_embd}) must be divisible by n_head ({n_head}) so that every head gets the same size; "
        "choose n_head among the divisors of {n_embd}, or change n_embd",
        "n_embd（{n_embd}）必须能被 n_head（{n_head}）整除，每个头才能分到相同的维度；"
        "请选 {n_embd} 的约数作为 n_head，或修改 n_embd"),
    "error.config_dropout": ("dropout must be a number in [0, 1), got {value}; 0.0 disables it",
                             "dropout 必须是 [0, 1) 之间的数，收到 {value}；0.0 表示关闭"),
    "error.config_not_bool": ("{field} must be True or False, got {value}", "{field} 必须是 True 或 False，收到 {value}"),
    "error.config_choice": ("{field} must be one of {choices}, got {value}", "{field} 必须是 {choices} 之一，收到 {value}"),
    "error.config_eps": ("layer_norm_eps must be a positive number, got {value}",
                         "layer_norm_eps 必须是正数，收到 {value}"),
    "error.unknown_preset": ("unknown preset {name!r}; known presets: {known}", "未知预设 {name!r}；可用预设：{known}"),
    "error.unknown_field": ("GPTConfig has no field {name!r}; its fields are {known}",
                            "GPTConfig 没有字段 {name!r}；它的字段有：{known}"),
    "error.idx_not_2d": ("idx must be 2-D (batch, time), got shape {shape}; for one sequence use idx.unsqueeze(0)",
                         "idx 必须是二维的（batch, time），收到形状 {shape}；单条序列请用 idx.unsqueeze(0)"),
    "error.idx_empty": ("idx is empty (shape {shape}); give at least one token", "idx 为空（形状 {shape}）；至少需要一个 token"),
    "error.too_long": (
        "sequence of {length} tokens is longer than block_size {block_size}; crop it to the last {block_size} "
        "tokens or use a config with a larger block_size",
        "序列长度 {length} 超过了 block_size {block_size}；请截取最后 {block_size} 个 token，或使用更大的 block_size"),
    "error.bad_token_id": ("token ids must lie in [0, {vocab_size} - 1] (vocab_size {vocab_size}), got ids from "
                           "{low} to {high}",
                           "token id 必须在 [0, {vocab_size} - 1] 之内（vocab_size 为 {vocab_size}），收到的 id 从 "
                           "{low} 到 {high}"),
    "error.targets_shape": ("targets must have the same shape as idx {expected}, got {got}",
                            "targets 的形状必须与 idx 相同 {expected}，收到 {got}"),
    "error.bad_target_id": ("targets must lie in [0, {vocab_size} - 1], or be -1 to leave a position out of the loss",
                            "targets 必须在 [0, {vocab_size} - 1] 之内，或为 -1 表示该位置不计入损失"),
    "error.checkpoint_not_dir": ("checkpoint folder {file} does not exist", "检查点目录 {file} 不存在"),
    "error.checkpoint_missing_file": (
        "{file} does not exist; a checkpoint folder needs config.json and model.safetensors "
        "(or pytorch_model.bin)",
        "{file} 不存在；检查点目录需要 config.json 和 model.safetensors（或 pytorch_model.bin）"),
    "error.checkpoint_damaged": ("{file} is damaged, truncated or not what it should be",
                                 "{file} 已损坏、被截断或内容不对"),
    "error.checkpoint_config_field": ("{file} lacks the field {field!r}", "{file} 缺少字段 {field!r}"),
    "error.checkpoint_unsupported": ("this checkpoint uses something glassgpt does not have: {what}",
                                     "此检查点用到了 glassgpt 不支持的设置：{what}"),
    "error.checkpoint_missing_tensor": ("{file} lacks the tensor {tensor}", "{file} 缺少张量 {tensor}"),
    "error.checkpoint_shape": ("{file}: tensor {tensor} has shape {got}, the config needs {expected}",
                               "{file}：张量 {tensor} 的形状是 {got}，配置要求 {expected}"),
    "error.checkpoint_dtype": ("{file}: tensor {tensor} holds {dtype}, not floating-point weights",
                               "{file}：张量 {tensor} 的类型是 {dtype}，不是浮点权重"),
    "error.state_dict_mismatch": ("state_dict does not match the model: missing {missing}; unexpected {unexpected}",
                                  "state_dict 与模型不符：缺少 {missing}；多出 {unexpected}"),
    "error.checkpoint_unexpected_tensor": ("{file} has a tensor the config has no place for: {tensor}",
                                           "{file} 含有配置中没有位置的张量：{tensor}"),
    # --- components ------------------------------------------------------------------------------------------
    "components.title": ("GPT components: {config}", "GPT 的各个组件：{config}"),
    "components.intro": (
        "One real forward pass on B = {B} sequences of T = {T} random tokens. Every shape below was seen by a "
        "forward hook on the module itself; nothing is typed in by hand.",
        "在 B = {B} 条、每条 T = {T} 个随机 token 的输入上真实地前向传播一次。下面每个形状都由挂在该模块上的"
        "前向钩子（forward hook）实际看到，没有一个是手写的。"),
    "components.derived": (
        "Names in ( ) are steps inside attention's forward, not modules; their shapes come from the tensors the "
        "hooks caught. Attention ran on the manual path (same weights, same result as the fast SDPA kernel, "
        "which never shows its weights).",
        "带括号的名字是注意力 forward 内部的步骤，不是模块；它们的形状由钩子捕获的张量算出。注意力走的是手写路径"
        "（权重相同、结果与快速的 SDPA 内核一致，只是 SDPA 不交出注意力权重）。"),
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
    "components.what.attn.softmax": ("scores Q K^T / sqrt({hs}), later keys -inf, softmax per row = weights",
                                     "分数 Q K^T / sqrt({hs})，之后的键设为 -inf，逐行 softmax = 权重"),
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
    # --- full ------------------------------------------------------------------------------------------------
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
    # --- params ----------------------------------------------------------------------------------------------
    "opt.tie_weights": (  # a common option (cli/options.py), added with params mode
        "the LM head reuses the token embedding matrix, as in GPT-2 (--no-tie-weights: a matrix of its own)",
        "输出头复用词元嵌入矩阵，与 GPT-2 相同（--no-tie-weights：输出头用自己的矩阵）"),
    "params.opt.seq_len": ("params: sequence length T of the FLOP figures (default: block_size)",
                           "params：FLOPs 所按的序列长度 T（默认：block_size）"),
    "params.opt.json": ("params: print one JSON object for machines instead of the tables",
                        "params：输出一个供程序读取的 JSON 对象，而不是表格"),
    "params.seq_len_preset": ("--seq-len {seq_len} does not fit preset {name}: it takes 1 to {block_size} tokens",
                              "--seq-len {seq_len} 不适用于预设 {name}：它只接受 1 到 {block_size} 个 token"),
    "error.seq_len_range": (
        "seq_len must lie in [1, block_size {block_size}], got {seq_len}: a sequence has at least one token, and "
        "the model has positions for block_size of them",
        "seq_len 必须在 [1, block_size {block_size}] 之内，收到 {seq_len}：序列至少有一个 token，"
        "而模型只有 block_size 个位置"),
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
    # --- attention -------------------------------------------------------------------------------------------
    "attention.opt.layer": ("attention mode: the layer to walk through and shade, 0 .. n_layer-1 (default 0; the "
                            "plot shows every layer unless given)",
                            "attention 模式：要逐步演示和画热图的层，0 .. n_layer-1（默认 0；不指定时图中画出所有层）"),
    "attention.opt.head": ("attention mode: the head to walk through, 0 .. n_head-1 (default 0; the heatmap and "
                           "plot show every head unless given)",
                           "attention 模式：要逐步演示的头，0 .. n_head-1（默认 0；不指定时热图和图中画出所有头）"),
    "attention.opt.plot": ("attention mode: also write the mask and every head's attention weights to this PNG",
                           "attention 模式：另外把掩码和每个头的注意力权重画到这个 PNG 文件"),
    "attention.bad_index": ("{option} {value} does not exist; choose from 0 to {last}",
                            "{option} {value} 不存在；请在 0 到 {last} 之间选择"),
    "attention.plot_not_png": ("--plot writes a PNG image; give a file name ending in .png (got {file})",
                               "--plot 输出 PNG 图片；请给出以 .png 结尾的文件名（收到 {file}）"),
    "attention.plot_no_dir": ("--plot: the folder {folder} does not exist", "--plot：目录 {folder} 不存在"),
    "attention.plot_failed": ("could not write {file}: {reason}", "无法写入 {file}：{reason}"),
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
        "The model's own weights (forward hook on blocks.{layer}.attn.softmax) differ from these by at most "
        "{difference:.1e}.",
        "模型自己的权重（blocks.{layer}.attn.softmax 上的前向钩子）与这些数相差至多 {difference:.1e}。"),
    "attention.step_out": (
        "6. Weighted sum: out = weights @ V, (T, hs) = ({T}, {hs}): each token's output is an average of the "
        "values it may see. The first {shown} columns:",
        "6. 加权求和：out = 权重 @ V，形状 (T, hs) = ({T}, {hs})：每个 token 的输出是它能看到的值向量的加权平均。"
        "前 {shown} 列："),
    "attention.step_merge": (
        "7. Heads merged: the {nh} heads' outputs side by side, (T, nh x hs) = ({T}, {d}); head {head} fills "
        "columns {first} .. {last}. Largest difference from what the model's c_proj received: {difference:.1e}. "
        "Then c_proj (d -> d) mixes the heads: {shape}, added to the residual stream.",
        "7. 合并各头：{nh} 个头的输出并排拼接，(T, nh x hs) = ({T}, {d})；第 {head} 个头占第 {first} .. {last} 列。"
        "与模型的 c_proj 实际收到的输入相差至多 {difference:.1e}。随后 c_proj（d -> d）把各头混合："
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
    "attention.heatmap_title": ("Layer {layer}, the tiny example above. Rows: the query token; columns: the key "
                                "token it looks at.",
                                "第 {layer} 层，即上面的小例子。行：查询 token；列：它所看的键 token。"),
    "attention.heatmap_legend": ("{s0} below 0.25   {s1} below 0.5   {s2} below 0.75   {s3} 0.75 to 1   "
                                 "{m} masked (exactly 0)",
                                 "{s0} 低于 0.25   {s1} 低于 0.5   {s2} 低于 0.75   {s3} 0.75 到 1   "
                                 "{m} 被遮住（恰好为 0）"),
    "attention.heatmap_head": ("head {head}", "头 {head}"),
    "attention.plot_written": (
        "Wrote {file}: the causal mask, then one panel of attention weights per head: {layers} layer(s) x "
        "{heads} head(s) = {panels}.",
        "已写入 {file}：因果掩码，以及每个头一幅注意力权重图：{layers} 层 x {heads} 个头 = {panels} 幅。"),
    "attention.plot_english": (
        "The figure's labels are in English: matplotlib found no font that can draw Chinese on this machine.",
        "图中的标注是英文：matplotlib 在本机找不到能显示中文的字体。"),
    "attention.plot.title": ("Attention weights on {T} tokens (rows: query, columns: key)",
                             "{T} 个 token 上的注意力权重（行：查询，列：键）"),
    "attention.plot.mask": ("causal mask (dark: may look)", "因果掩码（深色：可以看）"),
    "attention.plot.panel": ("layer {layer} · head {head}", "第 {layer} 层 · 头 {head}"),
    "attention.plot.key": ("key", "键"),
    "attention.plot.query": ("query", "查询"),
    "attention.plot.colorbar": ("attention weight", "注意力权重"),
    # --- generate --------------------------------------------------------------------------------------------
    "generate.opt.prompt": ("prompt token ids separated by commas, such as 1,2,3 (default: {n} random ids drawn "
                            "from --seed)",
                            "提示词的 token id，用逗号分隔，例如 1,2,3（默认：由 --seed 随机抽取 {n} 个 id）"),
    "generate.opt.max_new_tokens": ("how many new tokens to generate (default: {default})",
                                    "要生成的新 token 数（默认：{default}）"),
    "generate.opt.temperature": (
        "sampling temperature: 0 always picks the most likely token (greedy); below 1 sharpens the distribution, "
        "above 1 flattens it (default: {default})",
        "采样温度：0 表示总是选概率最高的 token（贪心）；小于 1 使分布更尖锐，大于 1 使分布更平坦（默认：{default}）"),
    "generate.opt.top_k": ("sample only among the K most likely tokens", "只在概率最高的 K 个 token 中采样"),
    "generate.opt.top_p": ("sample only among the most likely tokens whose probabilities add up to P, 0 < P <= 1 "
                           "(nucleus sampling)",
                           "只在概率之和达到 P 的那些最可能的 token 中采样，0 < P <= 1（核采样）"),
    "generate.opt.cache": ("keep the keys and values of earlier tokens (the KV cache); --no-cache recomputes the "
                           "whole window for every new token",
                           "保存之前 token 的键和值（KV 缓存）；--no-cache 则每生成一个 token 都重新计算整个窗口"),
    "generate.opt.compile": ("compile the one-token decode step with torch.compile first: slow once, faster after",
                             "先用 torch.compile 编译单 token 解码步骤：编译一次较慢，之后更快"),
    "generate.title": ("Generating {n} tokens with {config}", "用 {config} 生成 {n} 个 token"),
    "generate.settings": ("temperature={temperature} top_k={top_k} top_p={top_p}, {cache}",
                          "temperature={temperature} top_k={top_k} top_p={top_p}，{cache}"),
    "generate.cache_on": ("with the KV cache", "使用 KV 缓存"),
    "generate.cache_off": ("without the KV cache", "不使用 KV 缓存"),
    "generate.prompt": ("prompt ({n} tokens):", "提示词（{n} 个 token）："),
    "generate.new_tokens": ("new tokens:", "新 token："),
    "generate.compiling": ("compiling the decode step with torch.compile (once)...",
                           "正在用 torch.compile 编译解码步骤（只需一次）……"),
    "generate.compiled": ("done in {seconds:.1f} s", "用时 {seconds:.1f} 秒"),
    "generate.speed": ("{n} new tokens in {seconds:.3f} s: {rate:.1f} new tokens/s",
                       "{n} 个新 token 用时 {seconds:.3f} 秒：每秒 {rate:.1f} 个新 token"),
    "generate.bad_prompt": ("--prompt must be token ids separated by commas, such as 1,2,3; got {prompt!r}",
                            "--prompt 必须是用逗号分隔的 token id，例如 1,2,3；收到 {prompt!r}"),
    # library errors raised by generation.py
    "error.max_new_tokens_negative": ("max_new_tokens must be 0 or more, got {value}",
                                      "max_new_tokens 必须大于或等于 0，收到 {value}"),
    "error.temperature_negative": ("temperature must be a finite number of at least 0 (0 is greedy), got {value}",
                                   "temperature 必须是不小于 0 的有限数（0 表示贪心），收到 {value}"),
    "error.top_k_not_positive": ("top_k must be at least 1 (or None to keep every token), got {value}",
                                 "top_k 必须至少为 1（或为 None 表示保留所有 token），收到 {value}"),
    "error.top_p_range": ("top_p must lie in (0, 1] (1 keeps every token), got {value}",
                          "top_p 必须在 (0, 1] 之内（1 表示保留所有 token），收到 {value}"),
    "error.cache_full": ("the KV cache holds {capacity} tokens; {length} do not fit",
                         "KV 缓存最多容纳 {capacity} 个 token；放不下 {length} 个"),
    # --- check -----------------------------------------------------------------------------------------------
    "check.usage": ("check takes exactly one FILE, the Python file with your GPT (got {count})",
                    "check 需要且只需要一个文件 FILE：写有你的 GPT 的 Python 文件（收到 {count} 个）"),
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
    "check.hint.layer_norm.affine.no": ("return x_hat * self.weight + self.bias", "return x_hat * self.weight + self.bias"),
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
        "without targets the logits cover only the last position, {got}; the course's cover every position, "
        "{expected}",
        "不给 targets 时 logits 只有最后一个位置 {got}；课程中每个位置都有，{expected}"),
    "check.hint.logits_last_only": (
        "nanoGPT keeps only the last position when generating; the course's forward returns the logits of all T "
        "positions",
        "nanoGPT 在生成时只保留最后一个位置；课程中的 forward 返回全部 T 个位置的 logits"),
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
    "check.note.gradient_not_finite": ("the gradient of {names} holds NaN or inf", "{names} 的梯度中含有 NaN 或 inf"),
    # files that cannot be checked at all (GlassGPTError keys)
    "error.learner_file_missing": ("there is no file {file}", "找不到文件 {file}"),
    "error.learner_syntax": ("{file}, line {line}: syntax error: {error}", "{file}，第 {line} 行：语法错误：{error}"),
    "error.learner_import": ("{file}, line {line}: importing it raised {error}", "{file}，第 {line} 行：导入时抛出了 {error}"),
    "error.learner_no_class": (
        "{file} defines no class {name}; the course's layout has GPTConfig, CausalSelfAttention, MLP, "
        "TransformerBlock and GPT",
        "{file} 没有定义类 {name}；课程的结构包括 GPTConfig、CausalSelfAttention、MLP、TransformerBlock 和 GPT"),
}


def default_language() -> str:
    """zh when the locale says Chinese (LANG=zh_CN.UTF-8 and the like), else en."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


class Messages:
    """`t = Messages("zh"); t("full.title", config="tiny")` -> the sentence in that language."""

    def __init__(self, lang: str):
        self.lang = lang if lang in LANGUAGES else "en"
        self._side = LANGUAGES.index(self.lang)

    def __call__(self, key: str, **fields) -> str:
        return MESSAGES[key][self._side].format(**fields)
