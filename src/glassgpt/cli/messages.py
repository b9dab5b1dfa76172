"""Every sentence the CLI says to a person, in English and Simplified Chinese: the one message table.

`MESSAGES[key] = (english, chinese)`. Both sides use the same `{fields}`; numbers and shapes are filled in by the
code, so they are identical in both languages. A test fails if a key lacks a language or the fields differ.
Library errors (`GlassGPTError`) are said through the `error.<key>` entries.
"""

import os

LANGUAGES = ("en", "zh")

MESSAGES = {
    # --- common: options, errors, help -------------------------------------------------------------------------
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
    # library errors (GlassGPTError keys)
    "error.config_not_int": ("{field} must be a whole number, got {value}; pass an int such as 64",
                             "{field} 必须是整数，收到 {value}；请给出如 64 这样的整数"),
    "error.config_not_positive": ("{field} must be positive, got {value}; pass a value of at least 1",
                                  "{field} 必须为正数，收到 {value}；请给出至少为 1 的值"),
    "error.config_heads_divide": (
        "n_embd ({n_embd}) must be divisible by n_head ({n_head}) so that every head gets the same size; "
        "choose n_head among the divisors of {n_embd}, or change n_embd",
        "n_embd（{n_embd}）必须能被 n_head（{n_head}）整除，每个头才能分到相同的维度；"
        "请选 {n_embd} 的约数作为 n_head，或修改 n_embd"),
    "error.config_dropout": ("dropout must be a number in [0, 1), got {value}; 0.0 disables it",
                             "dropout 必须是 [0, 1) 之间的数，收到 {value}；0.0 表示关闭"),
    "error.config_not_bool": ("{field} must be True or False, got {value}", "{field} 必须是 True 或 False，收到 {value}"),
    "error.config_choice": ("{field} must be one of {choices}, got {value}", "{field} 必须是 {choices} 之一，收到 {value}"),
    "error.config_eps": ("layer_norm_eps must be a positive number, got {value}",
                         "layer_norm_eps 必须是正数，收到 {value}"),
    "error.unknown_preset": ("unknown preset {name!r}; known presets: {known}", "未知预设 {name!r}；可用预设：{known}"),
    "error.unknown_field": ("GPTConfig has no field {name!r}; its fields are {known}",
                            "GPTConfig 没有字段 {name!r}；它的字段有：{known}"),
    "error.idx_not_2d": ("idx must be 2-D (batch, time), got shape {shape}; for one sequence use idx.unsqueeze(0)",
                         "idx 必须是二维的（batch, time），收到形状 {shape}；单条序列请用 idx.unsqueeze(0)"),
    "error.idx_empty": ("idx is empty (shape {shape}); give at least one token", "idx 为空（形状 {shape}）；至少需要一个 token"),
    "error.too_long": (
        "sequence of {length} tokens is longer than block_size {block_size}; crop it to the last {block_size} "
        "tokens or use a config with a larger block_size",
        "序列长度 {length} 超过了 block_size {block_size}；请截取最后 {block_size} 个 token，或使用更大的 block_size"),
    "error.bad_token_id": ("token ids must lie in [0, {vocab_size} - 1] (vocab_size {vocab_size}), got ids from "
                           "{low} to {high}",
                           "token id 必须在 [0, {vocab_size} - 1] 之内（vocab_size 为 {vocab_size}），收到的 id 从 "
                           "{low} 到 {high}"),
    "error.targets_shape": ("targets must have the same shape as idx {expected}, got {got}",
                            "targets 的形状必须与 idx 相同 {expected}，收到 {got}"),
    "error.bad_target_id": ("targets must lie in [0, {vocab_size} - 1], or be -1 to leave a position out of the loss",
                            "targets 必须在 [0, {vocab_size} - 1] 之内，或为 -1 表示该位置不计入损失"),
    "error.checkpoint_not_dir": ("checkpoint folder {file} does not exist", "检查点目录 {file} 不存在"),
    "error.checkpoint_missing_file": (
        "{file} does not exist; a checkpoint folder needs config.json and model.safetensors",
        "{file} 不存在；检查点目录需要 config.json 和 model.safetensors"),
    "error.checkpoint_damaged": ("{file} is damaged, truncated or not what it should be",
                                 "{file} 已损坏、被截断或内容不对"),
    "error.checkpoint_config_field": ("{file} lacks the field {field!r}", "{file} 缺少字段 {field!r}"),
    "error.checkpoint_unsupported": ("this checkpoint uses something glassgpt does not have: {what}",
                                     "此检查点用到了 glassgpt 不支持的设置：{what}"),
    "error.checkpoint_missing_tensor": ("{file} lacks the tensor {tensor}", "{file} 缺少张量 {tensor}"),
    "error.checkpoint_shape": ("{file}: tensor {tensor} has shape {got}, the config needs {expected}",
                               "{file}：张量 {tensor} 的形状是 {got}，配置要求 {expected}"),
    "error.checkpoint_unexpected_tensor": ("{file} has a tensor the config has no place for: {tensor}",
                                           "{file} 含有配置中没有位置的张量：{tensor}"),
    # --- components ------------------------------------------------------------------------------------------
    "components.title": ("GPT components for {config}", "GPT 各组件（配置：{config}）"),
    "components.row": ("{name:<28} {shape_in:>16} -> {shape_out:<16} {params:>12} params",
                       "{name:<28} {shape_in:>16} -> {shape_out:<16} {params:>12} 个参数"),
    # --- full ------------------------------------------------------------------------------------------------
    "full.title": ("Full forward pass of {config}", "完整前向传播（配置：{config}）"),
    "full.input": ("input token ids idx: {shape}", "输入 token id（idx）：{shape}"),
    "full.logits": ("logits: {shape}  (batch, tokens, vocab_size)", "logits：{shape}（batch、token 数、词表大小）"),
    "full.loss": ("loss at initialisation: {loss:.4f}   ln(vocab_size) = ln({vocab}) = {ln_vocab:.4f}",
                  "初始化时的损失：{loss:.4f}   ln(vocab_size) = ln({vocab}) = {ln_vocab:.4f}"),
    "full.loss_why": (
        "They agree because an untrained model gives every token about the same probability 1/vocab_size, "
        "and the cross-entropy of that guess is ln(vocab_size).",
        "两者接近，是因为未训练的模型给每个 token 的概率都约为 1/vocab_size，这种猜测的交叉熵正是 ln(vocab_size)。"),
    # --- params ----------------------------------------------------------------------------------------------
    "params.title": ("Parameters of {config}", "参数量（配置：{config}）"),
    "params.total": ("total parameters: {total:,}", "参数总量：{total:,}"),
    "params.estimate": ("course estimate 12 * n_layer * n_embd^2 = 12 * {n_layer} * {n_embd}^2 = {estimate:,} "
                        "({error:+.1%} off)",
                        "课程估算 12 * n_layer * n_embd^2 = 12 * {n_layer} * {n_embd}^2 = {estimate:,}（偏差 {error:+.1%}）"),
    # --- attention -------------------------------------------------------------------------------------------
    # --- generate --------------------------------------------------------------------------------------------
    # --- check -----------------------------------------------------------------------------------------------
}


def default_language() -> str:
    """zh when the locale says Chinese (LANG=zh_CN.UTF-8 and the like), else en."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable)
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


class Messages:
    """`t = Messages("zh"); t("full.title", config="tiny")` -> the sentence in that language."""

    def __init__(self, lang: str):
        self.lang = lang if lang in LANGUAGES else "en"
        self._side = LANGUAGES.index(self.lang)

    def __call__(self, key: str, **fields) -> str:
        return MESSAGES[key][self._side].format(**fields)
