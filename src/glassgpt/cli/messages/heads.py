"""What the CLI says in the `heads` mode: key -> (English, Chinese)."""

MESSAGES = {
    "heads.about": (
        "score every attention head in [0, 1]: previous-token, first-token, duplicate-token and induction; "
        "name the top heads",
        "给每个注意力头打分，范围 [0, 1]：前一 token、首 token、重复 token 与归纳；并指出得分最高的头"),
    "heads.opt.json": ("print one JSON object instead: a layers x heads list per score",
                       "改为输出一个 JSON 对象：每种分数一个 层 x 头 的列表"),
    "heads.opt.plot": ("also draw the four scores as a grid of heatmaps into this PNG",
                       "另外把四种分数画成热图网格，写到这个 PNG 文件"),
    "heads.opt.sequences": ("how many random repeated sequences to measure on (default: {default})",
                            "用多少条随机重复序列来测量（默认：{default}）"),
    "heads.bad_sequences": ("--sequences must be at least 1, got {value}", "--sequences 必须至少为 1，收到 {value}"),
    "heads.model_too_short": (
        "the scores need sequences of at least {needed} tokens to repeat in, and this model's block_size is "
        "{block_size}",
        "这些分数需要至少 {needed} 个 token 长的序列来重复，而此模型的 block_size 只有 {block_size}"),
    "heads.title": ("Attention head scores: {config}", "注意力头分数：{config}"),
    "heads.measured": (
        "Measured on {n} random sequences of {T} tokens, each repeating itself with its own period from {low} "
        "to {high} (seed {seed}). Every score lies in [0, 1].",
        "在 {n} 条 {T} 个 token 长的随机序列上测量，每条序列以自己的周期（{low} 到 {high}）自我重复（种子 {seed}）。"
        "每种分数都在 [0, 1] 之内。"),
    "heads.untrained": (
        "This model is freshly initialised (--seed {seed}), so expect no clear structure. Grow some with "
        "`glassgpt train --task induction`, then pass --checkpoint.",
        "这个模型是刚初始化的（--seed {seed}），不要指望有清晰的结构。先用 `glassgpt train --task induction` "
        "训练出一些结构，再传入 --checkpoint。"),
    "heads.name.previous_token": ("previous-token", "前一 token"),
    "heads.name.first_token": ("first-token", "首 token"),
    "heads.name.duplicate_token": ("duplicate-token", "重复 token"),
    "heads.name.induction": ("induction", "归纳"),
    "heads.def.previous_token": ("mean attention from position i to position i - 1.",
                                 "位置 i 对位置 i - 1 的平均注意力。"),
    "heads.def.first_token": ("mean attention from position i > 0 to position 0 (an attention sink).",
                              "位置 i > 0 对位置 0 的平均注意力（注意力汇）。"),
    "heads.def.duplicate_token": ("mean attention from a token to its earlier copies in the sequence.",
                                  "一个 token 对序列中它之前副本的平均注意力。"),
    "heads.def.induction": (
        "mean attention from a repeated token to the token right after its earlier occurrence (…A B … A looks "
        "at B), on sequences whose period varies, so that a head that only counts positions does not pass.",
        "重复出现的 token 对它上次出现位置之后那个 token 的平均注意力（…A B … A 看向 B）；序列的周期各不相同，"
        "所以只数位置的头不会被当成归纳头。"),
    "heads.score_line": ("{name}: {definition}", "{name}：{definition}"),
    "heads.layer": ("layer {layer}", "第 {layer} 层"),
    "heads.head": ("head {head}", "头 {head}"),
    "heads.top": ("Top: layer {layer}, head {head} ({score:.2f}).", "最高：第 {layer} 层，头 {head}（{score:.2f}）。"),
    "heads.found_circuit": (
        "Found an induction circuit: layer {layer}, head {head} is an induction head ({score:.2f}), and layer "
        "{prev_layer}, head {prev_head} the previous-token head it relies on ({prev_score:.2f}).",
        "找到了归纳电路：第 {layer} 层的头 {head} 是归纳头（{score:.2f}），第 {prev_layer} 层的头 {prev_head} "
        "是它所依赖的前一 token 头（{prev_score:.2f}）。"),
    "heads.no_circuit": (
        "No induction circuit (an induction head of at least {goal_induction} with a previous-token head of at "
        "least {goal_previous} in an earlier layer).",
        "没有归纳电路（即分数至少 {goal_induction} 的归纳头，加上更早一层中分数至少 {goal_previous} 的前一 token 头）。"),
    "heads.plot_written": ("Wrote {file}: one layers x heads grid per score.",
                           "已写入 {file}：每种分数一幅 层 x 头 的网格图。"),
    "heads.plot.title": ("Attention head scores (0 to 1)", "注意力头分数（0 到 1）"),
    "heads.plot.layer": ("layer", "层"),
    "heads.plot.head": ("head", "头"),
}
