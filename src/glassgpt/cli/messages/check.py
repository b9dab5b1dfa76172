"""What the CLI says about the `check` mode itself: key -> (English, Chinese). (What a report says is the
checker's: checker/texts.py.)"""

MESSAGES = {
    "check.about": (
        "grade the GPT in your own Python file, part by part, against glassgpt's GPT-2; your file runs in a "
        "separate process, within a time limit",
        "逐个部分地把你自己 Python 文件里的 GPT 与 glassgpt 的 GPT-2 对照评分；你的文件在单独的进程中运行，并有时间限制"),
    "check.opt.file": ("the Python file with your GPTConfig, CausalSelfAttention, MLP, TransformerBlock and GPT",
                       "写有你的 GPTConfig、CausalSelfAttention、MLP、TransformerBlock 和 GPT 的 Python 文件"),
    "check.opt.timeout": ("seconds your code may run in all, import included, before it is stopped "
                          "(default: {default:g})",
                          "你的代码（包括导入）总共可运行的秒数，超时即被停止（默认：{default:g}）"),
}
