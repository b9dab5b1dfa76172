"""What the notebook display (notebook/__init__.py) says around the numbers: key -> (English, Chinese). A check
report reuses the checker's sentences (checker/texts.py) and a head score the lab's name for it (lab/texts.py), so
each is written once."""

from ..catalog import Catalog

NOTEBOOK_TEXTS = Catalog({
    "nb.config": ("GPTConfig: {total} parameters, each head {head_size} wide",
                  "GPTConfig：{total} 个参数，每个头的宽度为 {head_size}"),
    "nb.head_scores": ("Attention head scores, measured on {n} random repeated sequences of {T} tokens; each "
                       "in [0, 1], rows are layers, columns heads",
                       "注意力头分数：在 {n} 条 {T} 个 token 长的随机重复序列上测量；每种都在 [0, 1] 之内，行是层，列是头"),
    "nb.layer": ("layer", "层"),
    "nb.head": ("head", "头"),
    "nb.position": ("position", "位置"),
    "nb.after_block": ("after block {layer}", "第 {layer} 块之后"),
    "nb.lens": ("The logit lens: the likeliest next token after every block (sequence 1 of {B}); the shade is its "
                "probability, hover for the top {k}",
                "logit lens：每一块之后最可能的下一个 token（{B} 条序列中的第 1 条）；颜色深浅是它的概率，悬停可看前 {k} 个"),
    "nb.params": ("Parameters: {total} in all, {non_embedding} without the embeddings; the course's 12·L·d² "
                  "estimate is {estimate} ({error:+.1%})",
                  "参数：共 {total} 个，不含嵌入 {non_embedding} 个；课程的 12·L·d² 估算为 {estimate}（{error:+.1%}）"),
    "nb.params_block": ("One transformer block: {block} parameters ({formula})",
                        "一个 Transformer 块：{block} 个参数（{formula}）"),
    "nb.name": ("name", "名称"),
    "nb.formula": ("formula", "公式"),
    "nb.value": ("value", "数值"),
    "nb.flops": ("FLOPs per token for a sequence of T = {T} tokens: {forward} forward, {training} per training "
                 "step", "长度 T = {T} 的序列中每个 token 的 FLOPs：前向 {forward}，每个训练步 {training}"),
    "nb.memory": ("Memory in bytes (activations not included)", "内存（字节，不含激活值）"),
    "nb.report_part": ("part", "部分"),
    "nb.report_check": ("check", "检查"),
    "nb.report_result": ("result", "结果"),
    "nb.report_found": ("what was found", "发现"),
    "nb.timeline": ("What the run recorded: {points} points over {steps} steps (every {every} steps); {measure} "
                    "is the held-out in-context measure, lower is better",
                    "训练记录：{steps} 步中的 {points} 个点（每 {every} 步一个）；{measure} 是留出数据上的上下文学习指标，越低越好"),
    "nb.step": ("step", "步"),
    "nb.train_loss": ("training loss", "训练损失"),
    "nb.best_score": ("best {name}", "最高{name}"),
    "nb.phase_change": ("The phase change: the best induction score rose from {before:.2f} to {after:.2f} between "
                        "steps {start} and {end}, while the in-context measure went from {m_before:.3f} to "
                        "{m_after:.3f} ({share:.0%} of its whole fall)",
                        "相变：最高归纳分数在第 {start} 步到第 {end} 步之间从 {before:.2f} 升到 {after:.2f}，同时上下文"
                        "学习指标从 {m_before:.3f} 变为 {m_after:.3f}（占其总降幅的 {share:.0%}）"),
    "nb.no_phase_change": ("No phase change in this timeline: the best induction score never rose by enough.",
                           "这条时间线里没有相变：最高归纳分数的上升幅度始终不够。"),
    "nb.ablation": ("Knocking out {heads} ({how} ablation): loss {before:.4f} → {after:.4f} ({change:+.4f})",
                    "敲除 {heads}（{how} 消融）：损失 {before:.4f} → {after:.4f}（{change:+.4f}）"),
    "nb.each_head": ("Every head knocked out on its own ({how} ablation): the change in loss from {before:.4f}; "
                     "chance is {chance:.3f}",
                     "每个头单独敲除（{how} 消融）：损失相对 {before:.4f} 的变化；随机猜测的损失是 {chance:.3f}"),
    "nb.circuit": ("The circuit found by ablation (a change of {threshold:.3f} nats or more matters)",
                   "通过消融找到的电路（损失变化达到 {threshold:.3f} nats 或以上即算重要）"),
    "nb.circuit_alone": ("matter alone", "单独即重要"),
    "nb.circuit_together": ("matter only together", "只在一起时重要"),
    "nb.circuit_unused": ("unused", "未使用"),
    "nb.none": ("none", "无"),
    "nb.trained": ("Trained {step} steps in {seconds:.1f} s ({rate:,.0f} tokens/s), last loss {loss}; saved to "
                   "{out}", "训练了 {step} 步，用时 {seconds:.1f} 秒（每秒 {rate:,.0f} 个 token），最后的损失 {loss}；"
                   "已保存到 {out}"),
    "nb.interrupted": ("stopped early; what it had is saved", "提前停止；已有的结果已保存"),
    "nb.trace": ("The forward pass, module by module: the shapes that really flowed",
                 "前向传播，逐个模块：实际流过的形状"),
    "nb.input_shape": ("in", "输入"),
    "nb.output_shape": ("out", "输出"),
    "nb.parameters": ("parameters", "参数"),
    "nb.walkthrough": ("Layer {layer}, head {head}: the attention weights (rows: queries, columns: keys; scale "
                       "1/√{hs} = {scale:.4f})",
                       "第 {layer} 层第 {head} 个头：注意力权重（行：查询，列：键；缩放 1/√{hs} = {scale:.4f}）"),
    "nb.mask_demo": ("Layer {layer}, head {head}: token {position} changed from {old} to {new}; how far each "
                     "position's output moved", "第 {layer} 层第 {head} 个头：位置 {position} 的 token 从 {old} 改为 "
                     "{new}；每个位置的输出变化了多少"),
    "nb.with_mask": ("with the causal mask", "有因果掩码"),
    "nb.without_mask": ("without it", "没有掩码"),
    "nb.scale_demo": ("Why scores are divided by √hs (hs = {hs}, {keys} keys)",
                      "为什么分数要除以 √hs（hs = {hs}，{keys} 个键）"),
    "nb.raw": ("q·k", "q·k"),
    "nb.scaled": ("q·k / √hs", "q·k / √hs"),
    "nb.spread": ("spread (std)", "离散程度（标准差）"),
    "nb.peak": ("largest softmax weight", "softmax 的最大权重"),
})
