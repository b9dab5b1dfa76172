"""What the CLI says in the `lens` mode: key -> (English, Chinese)."""

MESSAGES = {
    "lens.about": (
        "the logit lens: after every block, what the model would predict if it stopped there (the top-k next "
        "tokens and their probabilities, at every position)",
        "logit lens：在每个块之后，如果模型就此停下会预测什么（每个位置上最可能的 k 个下一个 token 及其概率）"),
    "lens.opt.top_k": ("how many of the likeliest next tokens to show (default: {default})",
                       "显示多少个最可能的下一个 token（默认：{default}）"),
    "lens.opt.json": ("print one JSON object instead: per layer and position, the top-k tokens and probabilities",
                      "改为输出一个 JSON 对象：每层每个位置上前 k 个 token 及其概率"),
    "lens.title": ("The logit lens: {config}", "logit lens：{config}"),
    "lens.intro": (
        "After every block, the final LayerNorm and the LM head read the residual stream as if the model stopped "
        "there: the {k} likeliest next tokens, with their probabilities. After the last block this is the model's "
        "own prediction. ✓ marks the token that really comes next.",
        "在每个块之后，用最终的 LayerNorm 和 LM 头读取残差流，就像模型在那里停下一样：给出最可能的 {k} 个下一个 "
        "token 及其概率。最后一个块之后的结果就是模型自己的预测。✓ 标出真正的下一个 token。"),
    "lens.random_text": (
        "No --text: {n} random tokens said twice (--seed {seed}). A model with an induction head can predict the "
        "second half; watch in which layer it starts to.",
        "未给 --text：{n} 个随机 token 重复两遍（--seed {seed}）。有归纳头的模型能预测后一半；看看它从哪一层开始做到。"),
    "lens.position": ("position {i}: {token}", "位置 {i}：{token}"),
    "lens.position_next": ("position {i}: {token}   (next: {next})", "位置 {i}：{token}   （下一个：{next}）"),
    "lens.after_block": ("after block {layer}", "第 {layer} 块之后"),
}
