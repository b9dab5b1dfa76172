"""What the CLI says in options, usage errors and help, shared by every mode: key -> (English, Chinese)."""

MESSAGES = {
    "prog.description": (
        "glassgpt: a GPT you can see through. Modes: {modes}. `glassgpt MODE --help` lists a mode's options.",
        "glassgpt：一个看得透的 GPT。模式：{modes}。`glassgpt MODE --help` 列出某个模式的选项。",
    ),
    "prog.epilog": (
        "`glassgpt --mode MODE ...` and `python model.py --mode MODE ...` mean the same as `glassgpt MODE ...`; "
        "with no mode, `all` runs.",
        "`glassgpt --mode MODE ...` 和 `python model.py --mode MODE ...` 与 `glassgpt MODE ...` 相同；"
        "不给模式时运行 `all`。"),
    "opt.mode": ("what to show or do: {modes} (default: all)", "要展示或执行的内容：{modes}（默认：all）"),
    "all.about": ("every teaching mode in turn: {modes}", "依次运行每个教学模式：{modes}"),
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
    "opt.checkpoint": ("load the model from a Hugging Face GPT-2 folder (config.json + model.safetensors), a hub "
                       "name (gpt2, ...), the course's .pt, nanoGPT's ckpt.pt or a .safetensors file",
                       "从 Hugging Face GPT-2 目录（config.json + model.safetensors）、hub 名称（gpt2 等）、"
                       "课程的 .pt、nanoGPT 的 ckpt.pt 或 .safetensors 文件加载模型"),
    "opt.dtype": (
        "number format of weights and activations: fp32 (default); bf16 (half the memory, fp32's range, about 3 "
        "significant digits); fp16 (half the memory, but overflows above 65504 and is slow on most CPUs; "
        "training in fp16 needs loss scaling)",
        "权重与激活的数值格式：fp32（默认）；bf16（内存减半，数值范围与 fp32 相同，约 3 位有效数字）；"
        "fp16（内存减半，但超过 65504 会溢出，且在多数 CPU 上很慢；用 fp16 训练需要损失缩放）"),
    "opt.seed": ("random seed for weights and inputs (default: {default})", "权重与输入的随机种子（默认：{default}）"),
    "opt.device": ("device to run on: cpu, cuda, mps or auto (default: cpu)", "运行设备：cpu、cuda、mps 或 auto（默认：cpu）"),
    "opt.text": ("the input as text, cut into tokens by the model's tokenizer (a --checkpoint that has one, or "
                 "--tokenizer); without it, random token ids drawn from --seed",
                 "以文字给出输入，由模型的分词器切成 token（带分词器的 --checkpoint，或 --tokenizer）；"
                 "不给时使用由 --seed 随机抽取的 token id"),
    "opt.tokenizer": ("the tokenizer to use: a folder or a tokenizer.json, vocab.json (+ merges.txt), "
                      "tokenizer.model or nanoGPT's meta.pkl file (default: the one stored with --checkpoint)",
                      "要使用的分词器：一个目录，或 tokenizer.json、vocab.json（+ merges.txt）、tokenizer.model、"
                      "nanoGPT 的 meta.pkl 文件（默认：--checkpoint 中附带的那个）"),
    "input.tokens": ("The input, {n} tokens (id:[text], ␣ a space, ⏎ a newline): {tokens}",
                     "输入共 {n} 个 token（id:[文字]，␣ 为空格，⏎ 为换行）：{tokens}"),
    "usage.error": ("glassgpt: error: {detail}", "glassgpt：错误：{detail}"),
    "usage.argparse": ("{detail}", "{detail}"),  # argparse's own words (English only; it has no Chinese)
    "usage.option_of_other_modes": ("{option} is not an option of {mode}; it belongs to {modes}",
                                    "{option} 不是 {mode} 的选项；它属于 {modes}"),
    "usage.unknown_option": ("{option} is not an option of {mode}; `glassgpt {mode} --help` lists them",
                             "{option} 不是 {mode} 的选项；`glassgpt {mode} --help` 会列出全部选项"),
    "usage.bad_seed": ("--seed must be a whole number from 0 to {largest}, got {value}",
                       "--seed 必须是 0 到 {largest} 之间的整数，收到 {value}"),
    "usage.text_needs_tokenizer": (
        "--text needs a tokenizer, and none is known: give a --checkpoint stored with one, or --tokenizer PATH",
        "--text 需要分词器，但现在没有：请给出附带分词器的 --checkpoint，或 --tokenizer PATH"),
    "usage.text_empty": ("--text gave no tokens at all; give some text", "--text 没有切出任何 token；请给出一些文字"),
    "usage.text_too_long": (
        "--text is {n} tokens, more than block_size {block_size}, the most this model reads at once; shorten it",
        "--text 有 {n} 个 token，超过了 block_size {block_size}（模型一次最多读入的数量）；请缩短"),
    "usage.weights_not_finite": (
        "the weight {tensor} holds NaN or infinite numbers in {dtype}, so nothing computed from it means anything; "
        "check the checkpoint, or use --dtype fp32 if it only overflows in a narrower format",
        "权重 {tensor} 在 {dtype} 下含有 NaN 或无穷大，由它算出的一切都没有意义；请检查检查点，"
        "若只是在较窄的格式中溢出，请用 --dtype fp32"),
    "usage.weights_not_finite_fp32": (
        "the weight {tensor} holds NaN or infinite numbers, as stored in the checkpoint, so nothing computed from it "
        "means anything; the checkpoint is damaged, or was saved after a training run diverged",
        "权重 {tensor} 本身（检查点中存储的数值）含有 NaN 或无穷大，由它算出的一切都没有意义；"
        "检查点已损坏，或是在训练发散之后保存的"),
    "usage.activations_not_finite_fp32": (
        "the forward pass produced NaN or infinite numbers in fp32 from finite weights: some weights are so large "
        "(near fp32's limit, 3.4e38) that the sums overflow; the checkpoint's weights are not usable as they are",
        "前向传播在 fp32 下由有限的权重产生了 NaN 或无穷大：有些权重大到接近 fp32 的上限（3.4e38），求和时溢出；"
        "这个检查点的权重无法直接使用"),
    "usage.activations_not_finite": (
        "the forward pass produced NaN or infinite numbers in {dtype} (the weights are finite: the numbers grew "
        "past what {dtype} can hold); use --dtype fp32 or bf16",
        "前向传播在 {dtype} 下产生了 NaN 或无穷大（权重是有限的：数值超出了 {dtype} 能表示的范围）；"
        "请用 --dtype fp32 或 bf16"),
    "usage.mode_first": ("the mode comes first: `glassgpt {mode} OPTIONS` (only --lang and --mode may stand before it)",
                         "模式要写在最前面：`glassgpt {mode} 选项`（只有 --lang 和 --mode 可以写在它前面）"),
    "usage.unknown_mode": ("unknown mode {mode!r}; choose one of: {known}", "未知模式 {mode!r}；可选：{known}"),
    "usage.extra_words": ("unexpected argument(s) for mode {mode}: {words}", "模式 {mode} 不接受这些参数：{words}"),
    "usage.device_unavailable": ("device {device} is not available on this machine; use --device cpu",
                                 "本机没有设备 {device}；请使用 --device cpu"),
    "usage.checkpoint_and_config": (
        "--checkpoint fixes the configuration; leave out {options}",
        "--checkpoint 已确定模型配置；请去掉 {options}"),
    "usage.interrupted": ("interrupted", "已中断"),
    "usage.mode_needs_value": ("--mode needs a mode after it, e.g. --mode full", "--mode 后面需要一个模式，例如 --mode full"),
    "plot.not_png": ("--plot writes a PNG image; give a file name ending in .png (got {file})",
                     "--plot 输出 PNG 图片；请给出以 .png 结尾的文件名（收到 {file}）"),
    "plot.no_dir": ("--plot: the folder {folder} does not exist", "--plot：目录 {folder} 不存在"),
    "plot.is_folder": ("--plot {file} is a folder; give the PNG file to write, e.g. {file}/plot.png",
                       "--plot {file} 是一个目录；请给出要写入的 PNG 文件，例如 {file}/plot.png"),
    "plot.not_writable": ("--plot {file} cannot be written there (a read-only disk, or no permission); choose "
                          "another place",
                          "--plot {file} 无法写在那里（只读的磁盘，或没有权限）；请换一个位置"),
    "plot.is_input": ("--plot {file} is the file {option} reads; writing the plot there would destroy it",
                      "--plot {file} 正是 {option} 读取的文件；把图写在那里会毁掉它"),
    "plot.failed": ("could not write {file}: {reason}", "无法写入 {file}：{reason}"),
    "plot.english": (
        "The figure's labels are in English: matplotlib found no font that can draw Chinese on this machine.",
        "图中的标注是英文：matplotlib 在本机找不到能显示中文的字体。"),
}
