"""What the CLI says in options, usage errors and help, shared by every mode: key -> (English, Chinese)."""

MESSAGES = {
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
}
