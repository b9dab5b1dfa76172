"""What the CLI says in the `ablate` mode: key -> (English, Chinese)."""

MESSAGES = {
    "ablate.about": (
        "knock attention heads out (through the hook points; no weight changes) and measure what breaks: the "
        "change in loss for every head and for any set of heads, how the top prediction changes at each "
        "position, and which heads form the circuit",
        "敲掉注意力头（通过钩子点进行，不改动任何权重），看看什么坏了：每个头以及任意一组头被敲掉后损失的变化、"
        "每个位置上最可能的预测如何改变，以及哪些头组成了电路"),
    "ablate.opt.heads": ("also knock out these sets together: LAYER.HEAD pairs joined by commas (0.1,1.0); "
                         "repeat the option for more sets",
                         "另外把这些头一起敲掉：用逗号连接的 层.头（如 0.1,1.0）；重复此选项可给出多组"),
    "ablate.opt.how": ("zero: replace the head's output by zeros; mean: by its mean output over the same data "
                       "(default: {default})",
                       "zero：把该头的输出换成零；mean：换成它在同一批数据上的平均输出（默认：{default}）"),
    "ablate.opt.json": ("print one JSON object instead", "改为输出一个 JSON 对象"),
    "ablate.opt.plot": ("also draw the change in loss of every head as a heatmap into this PNG",
                        "另外把每个头的损失变化画成热图，写到这个 PNG 文件"),
    "ablate.text_too_short": ("--text must give at least 2 tokens: a loss needs a next token to predict",
                              "--text 至少要有 2 个 token：损失需要一个待预测的下一个 token"),
    "ablate.title": ("Ablation ({how}) of {source}", "{source} 的消融（{how}）"),
    "ablate.data.run": (
        "Measured on the run's held-out batch ({rows} rows of {T} tokens, never trained on), loss on the tokens "
        "whose earlier occurrence is in the context (the copyable ones).",
        "在该训练的留出数据上测量（{rows} 行，每行 {T} 个 token，从未训练过），损失只算那些在上下文中已出现过的 "
        "token（可复制的 token）。"),
    "ablate.data.run_text": (
        "Measured on the run's held-out windows of its text ({rows} rows of {T} tokens), loss on every token.",
        "在该训练文本的固定留出窗口上测量（{rows} 行，每行 {T} 个 token），损失计入每个 token。"),
    "ablate.data.random": (
        "Measured on {rows} random sequences of {T} tokens that repeat themselves (seed {seed}), loss on the "
        "tokens whose earlier occurrence is in the context (the copyable ones).",
        "在 {rows} 条 {T} 个 token 长、自我重复的随机序列上测量（种子 {seed}），损失只算那些在上下文中已出现过的 "
        "token（可复制的 token）。"),
    "ablate.data.text": ("Measured on --text ({T} tokens), loss on predicting each next token.",
                         "在 --text 上测量（{T} 个 token），损失为预测每个下一个 token 的损失。"),
    "ablate.intact": ("Loss with every head: {loss:.3f}; chance (a uniform guess, log {vocab}): {chance:.3f}.",
                      "所有头都在时的损失：{loss:.3f}；随机猜测（均匀分布，log {vocab}）：{chance:.3f}。"),
    "ablate.each": ("Change in loss when one head alone is knocked out:", "只敲掉一个头时损失的变化："),
    "ablate.layer": ("layer {layer}", "第 {layer} 层"),
    "ablate.head": ("head {head}", "头 {head}"),
    "ablate.set": ("Knocking out {heads}: loss {after:.3f} ({change:+.3f}, {share:.0%} of chance).",
                   "敲掉 {heads}：损失 {after:.3f}（{change:+.3f}，相当于随机猜测的 {share:.0%}）。"),
    "ablate.predictions": ("Top predictions that change without {heads} ({row}):",
                           "去掉 {heads} 后发生变化的最可能预测（{row}）："),
    "ablate.row_first": ("first row", "第一行"),
    "ablate.row_text": ("the text", "该文本"),
    "ablate.prediction": ("position {position} ({token}): {before} ({p_before:.2f}) -> {after} ({p_after:.2f})",
                          "位置 {position}（{token}）：{before}（{p_before:.2f}）-> {after}（{p_after:.2f}）"),
    "ablate.no_prediction_change": ("no top prediction changes.", "没有任何最可能的预测发生变化。"),
    "ablate.more_changes": ("... and {n} more positions.", "……还有 {n} 个位置。"),
    "ablate.circuit_alone": ("matter alone: {heads}", "单独就重要：{heads}"),
    "ablate.circuit_together": (
        "matter only together: {heads} ({change:+.2f} at once, at most {largest:+.2f} one at a time: each covers "
        "for the others)",
        "只在一起时才重要：{heads}（一起敲掉 {change:+.2f}，逐个敲掉至多 {largest:+.2f}：它们互相顶替）"),
    "ablate.circuit_unused": ("do not matter: {heads}", "不重要：{heads}"),
    "ablate.circuit": (
        "The circuit: {parts}. (A head or a set of heads matters when knocking it out raises the loss by at least "
        "{threshold:.2f}: a quarter of the way from the intact loss to chance, and 0.1 at least.)",
        "电路：{parts}。（敲掉一个头或一组头后，损失至少升高 {threshold:.2f}，即从完整模型的损失到随机猜测的四分之一，"
        "且至少 0.1，就算重要。）"),
    "ablate.circuit_none": ("no head", "没有任何头"),
    "ablate.and": ("; ", "；"),
    "ablate.plot_written": ("Wrote {file}: the change in loss of every head, as a layers x heads heatmap.",
                            "已写入 {file}：每个头的损失变化，画成 层 x 头 的热图。"),
    "ablate.plot.title": ("Change in loss, one head knocked out", "敲掉单个头后损失的变化"),
}
