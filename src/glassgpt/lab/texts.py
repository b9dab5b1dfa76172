"""Every sentence the lab page shows, in English and Simplified Chinese, each written once: a catalog.Catalog.

The table travels inside the page, so its language switch needs nothing from anywhere. `{fields}` are filled in
by the page's script (page.js, `tr(key, fields)`) with numbers and token texts, the same in both languages.
tests/test_lab.py checks that every key the page uses is here, that every entry here is used, and that both
sides take the same fields.
"""

from ..catalog import Catalog

PAGE_TEXTS = Catalog({
    # the page
    "page.title": ("glassgpt lab", "glassgpt 实验室"),
    "page.intro": (
        "Everything on this page was computed by this model on this input and saved into this one file: it "
        "opens offline and fetches nothing. Hover a heatmap for its numbers, click one to follow a head step by "
        "step, save any heatmap as a PNG.",
        "本页的一切都是这个模型在这段输入上实际算出来的，并保存在这一个文件里：离线即可打开，不从任何地方下载内容。"
        "把鼠标停在热力图上可看数值，点击可逐步查看一个注意力头，任何热力图都能存成 PNG。"),
    "page.footer": (
        "Made by `glassgpt lab`. Numbers are rounded to 5 decimal places; the tooltips show 4.",
        "由 `glassgpt lab` 生成。数值保留 5 位小数；悬停提示显示 4 位。"),
    "model.line": (
        "Model: {source} · {params} parameters · {layers} layers × {heads} heads · width d = {width} · "
        "vocabulary V = {vocab} · block_size = {block}",
        "模型：{source} · {params} 个参数 · {layers} 层 × {heads} 个头 · 宽度 d = {width} · 词表 V = {vocab} · "
        "block_size = {block}"),
    # tokens
    "tokens.title": ("1. The tokens", "1. token"),
    "tokens.intro": (
        "The model reads token ids, one per position; the text is only for us.",
        "模型读的是 token id，每个位置一个；文字只是给人看的。"),
    "tokens.with_text": ("{n} tokens: position, text, id.", "{n} 个 token：位置、文字、id。"),
    "tokens.ids_only": (
        "{n} tokens. No tokenizer came with this model, so each token is labelled by its id (#id).",
        "{n} 个 token。此模型没有附带分词器，所以每个 token 用它的 id 标注（#id）。"),
    # the architecture
    "diagram.title": ("2. The architecture, with the shapes that really flowed", "2. 模型结构，以及实际流过的形状"),
    "diagram.intro": (
        "Each box is one module, in the order the forward pass ran it; on the right, the shape it received and "
        "the shape it returned on this input (B = 1 sequence, T tokens), recorded by forward hooks.",
        "每个方框是一个模块，按前向传播实际运行的顺序排列；右侧是它在本输入上收到和返回的形状（B = 1 条序列，T 个 "
        "token），由前向钩子记录。"),
    "diagram.idx": ("token ids (B, T)", "token id (B, T)"),
    "diagram.blocks": (
        "{n} × transformer block (every block has the same shapes; block 0 shown) → {shape}",
        "{n} × Transformer 块（每个块的形状都相同；此处显示第 0 块）→ {shape}"),
    "diagram.params": ("{n} parameters", "{n} 个参数"),
    "diagram.tied": ("shares its weight with {other}", "与 {other} 共用权重"),
    "diagram.tok_emb": ("token embedding: one row of V × d per id", "词嵌入：每个 id 取 V × d 矩阵中的一行"),
    "diagram.pos_emb": ("position embedding: one learned row per position", "位置嵌入：每个位置一行可学习的向量"),
    "diagram.drop": ("their sum x, through dropout (inactive here: eval mode)",
                     "两者之和 x，经过 dropout（此处为评估模式，不起作用）"),
    "diagram.ln": ("LayerNorm: each token's vector to mean 0, spread 1, then a learned gain and shift",
                   "LayerNorm：把每个 token 的向量变成均值 0、方差 1，再乘可学习的缩放、加偏移"),
    "diagram.ln_f": ("final LayerNorm", "最终 LayerNorm"),
    "diagram.attn": ("causal self-attention: each token reads earlier tokens", "因果自注意力：每个 token 读取它之前的 token"),
    "diagram.c_attn": ("one Linear makes queries, keys and values for every head: d → 3d",
                       "一个线性层同时算出所有头的查询、键和值：d → 3d"),
    "diagram.split_heads": ("split into nh heads of hs = d / nh: (B, nh, T, hs)", "拆成 nh 个头，每个 hs = d / nh：(B, nh, T, hs)"),
    "diagram.scores": ("scores q·k/√hs, for every query and key", "分数 q·k/√hs：每个查询对每个键"),
    "diagram.mask": ("causal mask: −∞ where the key comes later", "因果遮蔽：键在后面的位置填 −∞"),
    "diagram.softmax": ("softmax of each row: the attention weights, each row sums to 1",
                        "对每行做 softmax：注意力权重，每行之和为 1"),
    "diagram.dropout": ("dropout (inactive here: eval mode)", "dropout（此处为评估模式，不起作用）"),
    "diagram.weighted_sum": ("weights @ v: each query's weighted average of the values",
                             "权重 @ v：每个查询对值向量的加权平均"),
    "diagram.merge_heads": ("the heads side by side again: (B, T, d)", "各头的输出重新并排：(B, T, d)"),
    "diagram.attn_proj": ("output projection, added to the residual stream", "输出投影，加回残差流"),
    "diagram.mlp": ("MLP: each token on its own, 4d wide", "MLP：每个 token 各自计算，宽 4d"),
    "diagram.c_fc": ("widen d → 4d", "扩宽 d → 4d"),
    "diagram.gelu": ("GELU: the bend", "GELU：非线性弯折"),
    "diagram.mlp_proj": ("narrow 4d → d, added to the residual stream", "收窄 4d → d，加回残差流"),
    "diagram.lm_head": ("LM head: one score (logit) per vocabulary entry, at every position",
                        "LM head：在每个位置给词表里的每个 token 一个分数（logit）"),
    # attention heatmaps
    "attention.title": ("3. Attention, every layer and head", "3. 注意力：每一层、每一个头"),
    "attention.intro": (
        "Row: the token that reads (the query). Column: the token it reads (the key). Darker: more weight. Each "
        "row sums to 1.",
        "行：正在读取的 token（查询）。列：被读取的 token（键）。颜色越深，权重越大。每行之和为 1。"),
    "attention.layer": ("layer {l}", "第 {l} 层"),
    "attention.map_title": ("layer {l} · head {h}", "第 {l} 层 · 第 {h} 个头"),
    "attention.legend": (
        "Grey cells are masked: a key that comes later than the query. Hover a cell for its weight and raw "
        "score; click a row to follow that head step by step.",
        "灰色格子被遮蔽：键在查询之后。鼠标停在格子上可看权重和原始分数；点击某一行可逐步查看这个头。"),
    "tip.pair": ("query {i} “{query}” → key {j} “{key}”", "查询 {i}“{query}”→ 键 {j}“{key}”"),
    "tip.weight": ("weight {w}", "权重 {w}"),
    "tip.score": ("score q·k/√hs = {s}", "分数 q·k/√hs = {s}"),
    "tip.masked": ("masked: this key comes later, so its score became −∞ and its weight 0",
                   "已遮蔽：这个键在后面，分数被设为 −∞，权重为 0"),
    "tip.minus_inf": ("−∞ (masked)", "−∞（已遮蔽）"),
    "png.button": ("Save PNG", "存为 PNG"),
    "png.saved": ("Saved {file} (click to save again)", "已保存 {file}（点击可再次保存）"),
    # one head, step by step
    "steps.title": ("4. One head, step by step", "4. 逐步看一个注意力头"),
    "steps.intro": (
        "The same maths the model ran, one step at a time, read from its hook points: scores, scale, mask, −∞, "
        "softmax, and the weighted sum of the values.",
        "模型实际运行的计算，一步一步展示，数值取自模型的钩子点：分数、缩放、遮蔽、−∞、softmax，以及对值的加权求和。"),
    "steps.which": ("Layer {l}, head {h}, query {i} “{t}”", "第 {l} 层，第 {h} 个头，查询 {i}“{t}”"),
    "steps.map_scores": ("scores q·k/√hs (before the mask)", "分数 q·k/√hs（遮蔽之前）"),
    "steps.map_masked": ("masked scores (grey: −∞)", "遮蔽后的分数（灰色：−∞）"),
    "steps.map_weights": ("softmax: the weights", "softmax：权重"),
    "steps.row_title": ("The row of query {i} “{t}”", "查询 {i}“{t}”这一行"),
    "steps.explain_scores": (
        "Scores: the dot product of this query with every key, divided by √hs = √{hs} = {sqrt} (that is, "
        "multiplied by {scale}) so that their spread stays near 1 and the softmax does not turn into a one-hot.",
        "分数：这个查询与每个键的点积，再除以 √hs = √{hs} = {sqrt}（即乘以 {scale}），让分数的分散程度保持在 1 "
        "左右，softmax 才不会变成独热。"),
    "steps.explain_mask": (
        "Mask: a token may not read later tokens, so every later key's score is replaced by −∞.",
        "遮蔽：一个 token 不能读它之后的 token，所以之后每个键的分数都被替换成 −∞。"),
    "steps.explain_softmax": (
        "Softmax: e^score, divided by the row's total; e^−∞ = 0, so masked keys get exactly 0. This row sums "
        "to {sum}.",
        "Softmax：取 e^分数，再除以整行之和；e^−∞ = 0，所以被遮蔽的键权重恰好为 0。这一行之和为 {sum}。"),
    "steps.key": ("key", "键"),
    "steps.row_dot": ("q·k", "q·k"),
    "steps.row_scaled": ("× {scale} = q·k/√hs", "× {scale} = q·k/√hs"),
    "steps.row_mask": ("may read?", "能否读取？"),
    "steps.row_masked": ("masked", "遮蔽后"),
    "steps.row_softmax": ("softmax", "softmax"),
    "steps.sum_title": ("The weighted sum of the values", "对值的加权求和"),
    "steps.explain_sum": (
        "The head's output for this query is Σ weight × v over the keys it may read. Shown: the first {dims} of "
        "the hs = {hs} dimensions. The last row is the model's own output (hook_z): the sum above, computed on "
        "this page from the rounded numbers, matches it.",
        "这个查询的输出是对它能读取的键求 Σ 权重 × v。这里显示 hs = {hs} 维中的前 {dims} 维。最后一行是模型自己的"
        "输出（hook_z）：上面由本页用四舍五入后的数算出的和与它一致。"),
    "steps.weight": ("weight", "权重"),
    "steps.sum": ("Σ weight × v", "Σ 权重 × v"),
    "steps.model_z": ("model's z", "模型的 z"),
    # head scores
    "heads.title": ("5. Head scores", "5. 注意力头评分"),
    "heads.intro": (
        "A score in [0, 1] for every layer × head: how much each head behaves like a known kind of head, "
        "measured on {n} random sequences of {len} tokens that repeat themselves (each with its own period), not "
        "on the input above. Click a cell to open that head.",
        "每一层 × 每个头一个 [0, 1] 之间的分数：这个头有多像某种已知类型的头。分数在 {n} 条长 {len} 个 token、"
        "自我重复（周期各不相同）的随机序列上测得，而不是在上面的输入上。点击格子可打开这个头。"),
    "heads.previous_token_is": (
        "previous-token: the mean attention from each token to the one just before it;",
        "前一个 token：每个 token 对紧挨在它前面的 token 的平均注意力；"),
    "heads.first_token_is": (
        "first-token: the mean attention to the very first token (an attention sink);",
        "首个 token：对第一个 token 的平均注意力（注意力汇聚点）；"),
    "heads.duplicate_token_is": (
        "duplicate-token: the mean attention from a token to its earlier copies;",
        "重复 token：一个 token 对它之前出现过的相同 token 的平均注意力；"),
    "heads.induction_is": (
        "induction: in … A B … A, the mean attention from the second A to B, the token after its earlier copy "
        "(how a model continues a pattern it has seen).",
        "归纳：在 … A B … A 中，第二个 A 对 B（它上一次出现之后的那个 token）的平均注意力（模型借此延续见过的模式）。"),
    "heads.head": ("head {h}", "头 {h}"),
    "heads.tip": ("score {s}", "分数 {s}"),
    "heads.previous_token": ("previous-token score", "前一个 token 分数"),
    "heads.first_token": ("first-token score", "首个 token 分数"),
    "heads.duplicate_token": ("duplicate-token score", "重复 token 分数"),
    "heads.induction": ("induction score", "归纳头分数"),
    # the logit lens
    "lens.title": ("6. The logit lens", "6. Logit 透镜"),
    "lens.intro": (
        "After every block, the final LayerNorm and the LM head read the residual stream as if it were the "
        "last: the likeliest next token at each position, layer by layer (darker: more probable). The last row "
        "is the model's own prediction. Hover a cell for the top candidates.",
        "在每个块之后，把残差流当作最后一层，直接接上最终 LayerNorm 和 LM head：逐层看每个位置最可能的下一个 "
        "token（颜色越深，概率越大）。最后一行就是模型自己的预测。鼠标停在格子上可看前几名候选。"),
    "lens.position": ("position", "位置"),
    "lens.after": ("after block {l}", "第 {l} 块之后"),
    "lens.tip": ("after block {l}, after position {i} “{t}”:", "第 {l} 块之后，位置 {i}“{t}”之后："),
    # generation with the KV cache
    "gen.title": ("7. Generation, step by step, with the KV cache", "7. 借助 KV 缓存逐步生成"),
    "gen.intro": (
        "The model adds one token at a time. The keys and values of earlier tokens wait in the KV cache, so each "
        "step feeds only the newest token, which reads every cached key. Shown for each step: what it read "
        "(its attention over the cache) and what it chose.",
        "模型每次添加一个 token。之前 token 的键和值保存在 KV 缓存里，所以每一步只需送入最新的 token，它会读取缓存中的"
        "所有键。每一步都显示：它读了什么（对缓存的注意力），以及它选了什么。"),
    "gen.no_room": (
        "No room to generate: the input already fills block_size = {block}.",
        "没有空间生成：输入已占满 block_size = {block}。"),
    "gen.step": ("step {k}", "第 {k} 步"),
    "gen.mean": ("mean over heads", "各头平均"),
    "gen.layer": ("layer {l}", "第 {l} 层"),
    "gen.colours": (
        "Darkest: the largest weight in this map, {w}. Hover a cell for its number.",
        "颜色最深处是此图中最大的权重 {w}。鼠标停在格子上可看具体数值。"),
    "gen.map_title": ("what position {p} “{t}” read in the cache", "位置 {p}“{t}”在缓存中读取的内容"),
    "gen.tip": ("layer {l}, key {j} “{t}”: weight {w}", "第 {l} 层，键 {j}“{t}”：权重 {w}"),
    "gen.summary": (
        "The token at position {p} “{t}” reads the {n} keys in the cache (its own included) and the model "
        "chooses “{chosen}” as the next token.",
        "位置 {p} 的 token“{t}”读取缓存中的 {n} 个键（包括它自己的），模型选择“{chosen}”作为下一个 token。"),
    "gen.prefill": (
        "This first step fed the whole prompt at once ({fed} tokens, the prefill); afterwards each layer's "
        "cache holds keys and values of shape {shape}.",
        "第一步一次送入整个提示（{fed} 个 token，即预填充）；之后每层的缓存里存有形状为 {shape} 的键和值。"),
    "gen.decode": (
        "This step fed {fed} token; its key and value were added to the cache, which now holds {shape} in "
        "each layer.",
        "这一步只送入 {fed} 个 token；它的键和值被加进缓存，现在每层缓存的形状为 {shape}。"),
    "gen.candidates": ("Top candidates for the next token", "下一个 token 的前几名候选"),
    "gen.rank": ("rank", "名次"),
    "gen.token": ("token", "token"),
    "gen.probability": ("probability", "概率"),
    "gen.greedy": (
        "Greedy decoding (temperature 0): the most likely token is chosen (✓).",
        "贪心解码（温度为 0）：选择概率最高的 token（✓）。"),
    # how it formed, and ablation (circuits.js, lab/circuits.py)
    "formed.title": ("8. How it formed", "8. 它是如何形成的"),
    "formed.intro": (
        "What `glassgpt train` recorded as it trained: the training loss, the held-out in-context measure and the "
        "best head scores, step by step; shaded, the window in which the best induction score rose (the phase "
        "change). Move the slider to see a head's attention on one fixed sequence as it was at that step.",
        "`glassgpt train` 在训练过程中记录的内容：训练损失、留出数据上的上下文学习指标和最高的头分数，逐步记录；"
        "阴影部分是最高归纳分数上升的那段步数（相变）。拖动滑块，可以看到某个头在同一条固定序列上、在那一步时的注意力。"),
    "formed.none": (
        "This model has no timeline: only runs of `glassgpt train` record one (older runs and Hugging Face folders "
        "have none).",
        "这个模型没有时间线：只有 `glassgpt train` 的训练会记录（较早的训练和 Hugging Face 目录都没有）。"),
    "formed.train_loss": ("training loss", "训练损失"),
    "formed.copy_loss": ("held-out copy loss", "留出复制损失"),
    "formed.icl_score": ("in-context learning score", "上下文学习分数"),
    "formed.scores": ("best induction (green) and previous-token (purple) score",
                      "最高归纳分数（绿）与前一 token 分数（紫）"),
    "formed.window": ("Phase change: steps {start} to {end}.", "相变：第 {start} 步到第 {end} 步。"),
    "formed.improved": ("The in-context measure improved in that same window.", "上下文学习指标正是在这个窗口内变好的。"),
    "formed.not_improved": ("The in-context measure did not improve mainly in that window.",
                            "上下文学习指标并不主要在这个窗口内变好。"),
    "formed.no_window": ("No phase change: the best induction score never rose much.",
                         "没有相变：最高归纳分数始终没有明显上升。"),
    "formed.step": ("step {step}", "第 {step} 步"),
    "formed.head": ("layer {l}, head {h}", "第 {l} 层，头 {h}"),
    "formed.map_title": ("layer {l}, head {h} at step {step}", "第 {l} 层头 {h}，第 {step} 步"),
    "formed.tip": ("weight {w}", "权重 {w}"),
    "ablate.title": ("9. Ablate: knock a head out", "9. 消融：敲掉一个头"),
    "ablate.intro": (
        "Each head's output replaced by zeros, one head at a time (no weight changed): how much the loss of "
        "predicting each next token of this input rises (red) or falls (blue). Click a head to see the "
        "predictions with and without it.",
        "每次把一个头的输出换成零（不改动任何权重）：预测这段输入中每个下一个 token 的损失升高（红）或降低（蓝）了多少。"
        "点击一个头，查看有它和没有它时的预测。"),
    "ablate.left_out_heads": (
        "Left out: this model has more than {n} heads, one forward pass each. See them with `glassgpt ablate "
        "--checkpoint ... --text ...`.",
        "已省略：此模型的头超过 {n} 个，每个头都要一次前向传播。请用 `glassgpt ablate --checkpoint ... --text ...` 查看。"),
    "ablate.left_out_short": ("Left out: the input has one token, and a loss needs a next token.",
                              "已省略：输入只有一个 token，而损失需要一个下一个 token。"),
    "ablate.map_title": ("change in loss without each head", "去掉每个头后损失的变化"),
    "ablate.loss": ("Loss with every head: {loss}.", "所有头都在时的损失：{loss}。"),
    "ablate.tip": ("layer {l}, head {h}: loss {d}", "第 {l} 层头 {h}：损失 {d}"),
    "ablate.chosen": ("Without layer {l}, head {h}: the loss changes by {d}; changed predictions are marked.",
                      "去掉第 {l} 层头 {h}：损失变化 {d}；发生变化的预测已标出。"),
    "ablate.position": ("position", "位置"),
    "ablate.token": ("this token", "本 token"),
    "ablate.next": ("next token", "下一个 token"),
    "ablate.with": ("prediction with it", "有它时的预测"),
    "ablate.without": ("without it", "没有它时"),
})
