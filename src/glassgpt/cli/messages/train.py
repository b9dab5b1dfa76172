"""What the CLI says in the `train` mode: key -> (English, Chinese)."""

MESSAGES = {
    "train.about": (
        "train a small GPT for a few seconds to grow structure worth looking at: --task induction (random tokens "
        "that repeat) or --data FILE (characters of a UTF-8 text); writes a Hugging Face checkpoint with its "
        "tokenizer to --out",
        "把一个小 GPT 训练几秒钟，长出值得一看的结构：--task induction（会重复的随机 token）或 --data FILE"
        "（UTF-8 文本的字符）；把 Hugging Face 检查点及其分词器写到 --out"),
    "train.opt.task": ("what to learn: induction (default) or text (needs --data)",
                       "学什么：induction（默认）或 text（需要 --data）"),
    "train.opt.data": ("a UTF-8 text file (Chinese is fine) to learn character by character; implies --task text",
                       "逐字符学习的 UTF-8 文本文件（中文也可以）；意味着 --task text"),
    "train.opt.out": ("the folder to write the checkpoint to (default: {default})",
                      "检查点写入的目录（默认：{default}）"),
    "train.opt.steps": ("optimizer steps in all (default: {default}; with --resume, the saved run's own total)",
                        "优化步数总计（默认：{default}；使用 --resume 时为已保存训练自己的总数）"),
    "train.opt.seed": ("random seed of the initial weights and of every batch (default: {default})",
                       "初始权重与每个批次的随机种子（默认：{default}）"),
    "train.opt.resume": ("go on with the run saved in --out, exactly where it stopped",
                         "从 --out 中保存的训练停下的地方继续"),
    "train.data_and_task": ("--data trains on a text file, which is the text task; leave out --task induction",
                            "--data 表示用文本文件训练，即 text 任务；请去掉 --task induction"),
    "train.resume_and_options": (
        "--resume goes on with the run saved in --out, with its own task, data and seed; leave out {options}",
        "--resume 会按 --out 中已保存训练自己的任务、数据和种子继续；请去掉 {options}"),
    "train.title": ("Training: {config}", "训练：{config}"),
    "train.task_induction": (
        "Task: random tokens that repeat themselves, each sequence with its own period from {low} to {high}; from "
        "step {switch} on, the repeats begin at a random place, so that the previous-token head must work at every "
        "position. The loss counts only what can be predicted: a token after a repeated token, found by looking up "
        "the earlier copy and taking the token that came after it.",
        "任务：会自我重复的随机 token，每条序列有自己的周期，在 {low} 到 {high} 之间；从第 {switch} 步起，重复从随机"
        "位置开始，这样前一 token 头必须在每个位置都起作用。损失只计能预测的部分：重复出现的 token 之后的那个 token，"
        "找到它之前的副本，取其后面的 token 即可。"),
    "train.task_text": (
        "Task: predict the next character of {file} ({length} characters, {vocab} distinct ones).",
        "任务：预测 {file} 的下一个字符（共 {length} 个字符，其中 {vocab} 个互不相同）。"),
    "train.settings": (
        "{steps} steps of {batch} sequences x {seq_len} tokens; AdamW, learning rate {lr} (warmup {warmup} "
        "steps, then cosine decay); seed {seed}.",
        "共 {steps} 步，每步 {batch} 条序列 x {seq_len} 个 token；AdamW，学习率 {lr}（预热 {warmup} 步，"
        "之后余弦衰减）；种子 {seed}。"),
    "train.resuming": ("Going on with the run in {out} from step {step} to step {steps}.",
                       "继续 {out} 中的训练：从第 {step} 步到第 {steps} 步。"),
    "train.progress": ("step {step}/{steps}  loss {loss:.3f}  {rate:,.0f} tokens/s",
                       "第 {step}/{steps} 步  损失 {loss:.3f}  {rate:,.0f} token/秒"),
    "train.done": (
        "Trained to step {step} in {seconds:.1f} s ({rate:,.0f} tokens/s); last loss {loss:.3f}.",
        "训练到第 {step} 步，用时 {seconds:.1f} 秒（{rate:,.0f} token/秒）；最后的损失 {loss:.3f}。"),
    "train.nothing_to_do": (
        "The run in {out} has already done {step} steps; give --steps more than that to go on.",
        "{out} 中的训练已经完成 {step} 步；要继续，请给出更大的 --steps。"),
    "train.interrupted": (
        "Interrupted at step {step} of {steps}. What it had is saved; go on with: glassgpt train --out {out} "
        "--resume",
        "在第 {step} 步（共 {steps} 步）时被中断。已有的结果已保存；继续训练：glassgpt train --out {out} --resume"),
    "train.saved": (
        "Saved to {out}: the model (config.json, model.safetensors), its tokenizer (tokenizer.json) and the "
        "training state ({state}).",
        "已保存到 {out}：模型（config.json、model.safetensors）、分词器（tokenizer.json）和训练状态（{state}）。"),
    "train.scores_heading": ("What grew: head scores on fresh repeated sequences",
                             "长出了什么：在新的重复序列上的注意力头分数"),
    "train.induction_head": (
        "Induction head: layer {layer}, head {head}, score {score:.2f} (the goal is at least {goal}).",
        "归纳头：第 {layer} 层，头 {head}，分数 {score:.2f}（目标是至少 {goal}）。"),
    "train.previous_head": (
        "Previous-token head it relies on, in an earlier layer: layer {layer}, head {head}, score {score:.2f} "
        "(the goal is at least {goal}).",
        "它所依赖的、位于更早一层的前一 token 头：第 {layer} 层，头 {head}，分数 {score:.2f}（目标是至少 {goal}）。"),
    "train.no_earlier_layer": (
        "The best induction score is in layer 0, which has no earlier layer for a previous-token head: not an "
        "induction circuit yet. Train longer (--resume --steps N).",
        "最高的归纳分数在第 0 层，它之前没有能放前一 token 头的层：还不是归纳电路。请再多训练一些"
        "（--resume --steps N）。"),
    "train.next": ("Look inside:", "看看里面："),
}
