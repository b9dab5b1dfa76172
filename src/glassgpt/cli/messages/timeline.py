"""What the CLI says in the `timeline` mode: key -> (English, Chinese)."""

MESSAGES = {
    "timeline.about": (
        "show what a training run recorded as it went (loss, the held-out in-context measure, the best induction "
        "and previous-token scores) and the phase change in it: the window where the induction heads formed, and "
        "whether in-context learning improved in that same window",
        "展示一次训练在过程中记录下的内容（损失、留出数据上的上下文学习指标、最高的归纳分数与前一 token 分数），"
        "并找出其中的相变：归纳头形成的那段步数，以及上下文学习是否正是在这段步数里变好"),
    "timeline.opt.checkpoint": ("the run folder `glassgpt train` wrote (--out)",
                                "`glassgpt train` 写出的训练目录（--out）"),
    "timeline.opt.json": ("print one JSON object instead: every curve, every head's scores, the phase change",
                          "改为输出一个 JSON 对象：每条曲线、每个头的分数与相变"),
    "timeline.opt.plot": ("also draw the curves into this PNG, one panel each on a shared step axis, the "
                          "phase-change window shaded",
                          "另外把这些曲线画到这个 PNG 文件中：共享同一个步数轴，每条一个面板，相变窗口涂上阴影"),
    "timeline.needs_checkpoint": ("timeline needs --checkpoint DIR, a folder that `glassgpt train` wrote",
                                  "timeline 需要 --checkpoint DIR，即 `glassgpt train` 写出的目录"),
    "timeline.title": ("Training timeline of {folder}", "{folder} 的训练时间线"),
    "timeline.points": (
        "{n} points recorded, from step {first} to step {last} (every {every} steps), task: {task}.",
        "共记录 {n} 个点，从第 {first} 步到第 {last} 步（每 {every} 步一个），任务：{task}。"),
    "timeline.def.copy_loss": (
        "Held-out copy loss: the mean loss on tokens whose earlier occurrence is in the context, on a fixed "
        "held-out batch of the rows being trained on at that step (chance: {chance:.2f}). Lower is better.",
        "留出复制损失：在一批固定的留出数据（与该步正在训练的行同类）上，对那些在上下文中已出现过的 token 的平均损失"
        "（随机猜测：{chance:.2f}）。越低越好。"),
    "timeline.def.icl_score": (
        "In-context learning score (Olsson et al.): the loss at the last quarter of the positions minus the loss "
        "at the first eighth, on fixed windows of the text. Below 0: later tokens, with more context, are "
        "predicted better.",
        "上下文学习分数（Olsson 等）：在固定的文本窗口上，最后四分之一位置的损失减去最前八分之一位置的损失。"
        "小于 0 表示：上下文更多的靠后 token 被预测得更好。"),
    "timeline.def.scores": (
        "Best induction and best previous-token score: the highest of that score over every head (as `glassgpt "
        "heads` measures it).",
        "最高归纳分数与最高前一 token 分数：所有头中该分数的最大值（与 `glassgpt heads` 的测法相同）。"),
    "timeline.col.step": ("step", "步数"),
    "timeline.col.train_loss": ("train loss", "训练损失"),
    "timeline.col.copy_loss": ("copy loss", "复制损失"),
    "timeline.col.icl_score": ("ICL score", "上下文学习分数"),
    "timeline.col.induction": ("induction", "归纳"),
    "timeline.col.previous": ("prev-token", "前一 token"),
    "timeline.window": (
        "Phase change: between steps {start} and {end} the best induction score rose from {before:.2f} to "
        "{after:.2f} (from 10% to 90% of its way up; rows marked *).",
        "相变：在第 {start} 步到第 {end} 步之间，最高归纳分数从 {before:.2f} 升到 {after:.2f}"
        "（即从上升幅度的 10% 到 90%；标 * 的行）。"),
    "timeline.improved": (
        "In that same window the held-out in-context measure fell from {before:.2f} to {after:.2f}, {share:.0%} of "
        "its whole fall over the run, fastest between steps {fast_start} and {fast_end}: in-context learning "
        "improved exactly when the induction heads formed.",
        "在同一窗口内，留出数据上的上下文学习指标从 {before:.2f} 降到 {after:.2f}，占整个训练中降幅的 {share:.0%}，"
        "下降最快的是第 {fast_start} 到第 {fast_end} 步：上下文学习恰好在归纳头形成时变好。"),
    "timeline.not_improved": (
        "In that window the held-out in-context measure went from {before:.2f} to {after:.2f}, only {share:.0%} "
        "of its whole fall over the run (it fell fastest between steps {fast_start} and {fast_end}): in-context "
        "learning did not improve mainly in that window.",
        "在该窗口内，留出数据上的上下文学习指标从 {before:.2f} 变为 {after:.2f}，只占整个训练中降幅的 {share:.0%}"
        "（下降最快的是第 {fast_start} 到第 {fast_end} 步）：上下文学习并不主要在这个窗口里变好。"),
    "timeline.no_change": (
        "No phase change: the best induction score never rose by {rise} (it went from {first:.2f} to {last:.2f}). "
        "Train longer, or with the defaults of `glassgpt train --task induction`.",
        "没有相变：最高归纳分数的上升从未达到 {rise}（从 {first:.2f} 到 {last:.2f}）。"
        "请训练更久，或使用 `glassgpt train --task induction` 的默认设置。"),
    "timeline.plot_written": ("Wrote {file}: the curves on a shared step axis, the phase-change window shaded.",
                              "已写入 {file}：各曲线共享步数轴，相变窗口涂有阴影。"),
    "timeline.plot.title": ("How the induction circuit formed", "归纳电路是如何形成的"),
    "timeline.plot.step": ("training step", "训练步数"),
    "timeline.plot.scores": ("best head score", "最高的头分数"),
    "timeline.plot.window": ("phase change", "相变"),
}
