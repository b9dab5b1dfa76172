"""Every error glassgpt raises for a bad value, written once in English and once in Simplified Chinese.

`GlassGPTError(key, **fields)` is a `ValueError` whose text is the English sentence of `ERRORS[key]`, filled with
`fields`; `error.message("zh")` is the same sentence in Chinese, which is what the CLI prints. Keys are checked
when the error is made (an unknown key is a bug, and fails loudly), and tests/test_messages.py checks that every
key the code raises exists here with the same fields in both languages.
"""

import string

LANGUAGES = ("en", "zh")

# key -> (English, Chinese); both sides take the same {fields}
ERRORS: dict[str, tuple[str, str]] = {
    'config_not_int': (
        '{field} must be a whole number, got {value}; pass an int such as 64',
        '{field} 必须是整数，收到 {value}；请给出如 64 这样的整数'),
    'config_not_positive': (
        '{field} must be positive, got {value}; pass a value of at least 1',
        '{field} 必须为正数，收到 {value}；请给出至少为 1 的值'),
    'config_heads_divide': (
        'n_embd ({n_embd}) must be divisible by n_head ({n_head}) so that every head gets the same size; choose n_head among the divisors of {n_embd}, or change n_embd',
        'n_embd（{n_embd}）必须能被 n_head（{n_head}）整除，每个头才能分到相同的维度；请选 {n_embd} 的约数作为 n_head，或修改 n_embd'),
    'config_dropout': (
        'dropout must be a number in [0, 1), got {value}; 0.0 disables it',
        'dropout 必须是 [0, 1) 之间的数，收到 {value}；0.0 表示关闭'),
    'config_not_bool': (
        '{field} must be True or False, got {value}',
        '{field} 必须是 True 或 False，收到 {value}'),
    'config_choice': (
        '{field} must be one of {choices}, got {value}',
        '{field} 必须是 {choices} 之一，收到 {value}'),
    'config_eps': (
        'layer_norm_eps must be a positive number, got {value}',
        'layer_norm_eps 必须是正数，收到 {value}'),
    'unknown_preset': (
        'unknown preset {name!r}; known presets: {known}',
        '未知预设 {name!r}；可用预设：{known}'),
    'unknown_field': (
        'GPTConfig has no field {name!r}; its fields are {known}',
        'GPTConfig 没有字段 {name!r}；它的字段有：{known}'),
    'idx_not_2d': (
        'idx must be 2-D (batch, time), got shape {shape}; for one sequence use idx.unsqueeze(0)',
        'idx 必须是二维的（batch, time），收到形状 {shape}；单条序列请用 idx.unsqueeze(0)'),
    'idx_empty': (
        'idx is empty (shape {shape}); give at least one token',
        'idx 为空（形状 {shape}）；至少需要一个 token'),
    'too_long': (
        'sequence of {length} tokens is longer than block_size {block_size}; crop it to the last {block_size} tokens or use a config with a larger block_size',
        '序列长度 {length} 超过了 block_size {block_size}；请截取最后 {block_size} 个 token，或使用更大的 block_size'),
    'bad_token_id': (
        'token ids must lie in [0, {last}] (vocab_size {vocab_size}), got ids from {low} to {high}',
        'token id 必须在 [0, {last}] 之内（vocab_size 为 {vocab_size}），收到的 id 从 {low} 到 {high}'),
    'targets_shape': (
        'targets must have the same shape as idx {expected}, got {got}',
        'targets 的形状必须与 idx 相同 {expected}，收到 {got}'),
    'bad_target_id': (
        'targets must lie in [0, {vocab_size} - 1], or be -1 to leave a position out of the loss',
        'targets 必须在 [0, {vocab_size} - 1] 之内，或为 -1 表示该位置不计入损失'),
    'checkpoint_not_dir': (
        'checkpoint folder {file} does not exist',
        '检查点目录 {file} 不存在'),
    'checkpoint_missing_file': (
        '{file} does not exist; a checkpoint folder needs config.json and model.safetensors (or pytorch_model.bin)',
        '{file} 不存在；检查点目录需要 config.json 和 model.safetensors（或 pytorch_model.bin）'),
    'checkpoint_damaged': (
        '{file} is damaged, truncated or not what it should be',
        '{file} 已损坏、被截断或内容不对'),
    'checkpoint_config_field': (
        '{file} lacks the field {field!r}',
        '{file} 缺少字段 {field!r}'),
    'checkpoint_unsupported': (
        'this checkpoint uses something glassgpt does not have: {what}',
        '此检查点用到了 glassgpt 不支持的设置：{what}'),
    'checkpoint_missing_tensor': (
        '{file} lacks the tensor {tensor}',
        '{file} 缺少张量 {tensor}'),
    'checkpoint_shape': (
        '{file}: tensor {tensor} has shape {got}, the config needs {expected}',
        '{file}：张量 {tensor} 的形状是 {got}，配置要求 {expected}'),
    'checkpoint_dtype': (
        '{file}: tensor {tensor} holds {dtype}, not floating-point weights',
        '{file}：张量 {tensor} 的类型是 {dtype}，不是浮点权重'),
    'state_dict_mismatch': (
        'state_dict does not match the model: missing {missing}; unexpected {unexpected}',
        'state_dict 与模型不符：缺少 {missing}；多出 {unexpected}'),
    'checkpoint_unexpected_tensor': (
        '{file} has a tensor the config has no place for: {tensor}',
        '{file} 含有配置中没有位置的张量：{tensor}'),
    'seq_len_range': (
        'seq_len must lie in [1, block_size {block_size}], got {seq_len}: a sequence has at least one token, and the model has positions for block_size of them',
        'seq_len 必须在 [1, block_size {block_size}] 之内，收到 {seq_len}：序列至少有一个 token，而模型只有 block_size 个位置'),
    'max_new_tokens_negative': (
        'max_new_tokens must be 0 or more, got {value}',
        'max_new_tokens 必须大于或等于 0，收到 {value}'),
    'temperature_negative': (
        'temperature must be a finite number of at least 0 (0 is greedy), got {value}',
        'temperature 必须是不小于 0 的有限数（0 表示贪心），收到 {value}'),
    'top_k_not_positive': (
        'top_k must be at least 1 (or None to keep every token), got {value}',
        'top_k 必须至少为 1（或为 None 表示保留所有 token），收到 {value}'),
    'top_p_range': (
        'top_p must lie in (0, 1] (1 keeps every token), got {value}',
        'top_p 必须在 (0, 1] 之内（1 表示保留所有 token），收到 {value}'),
    'cache_full': (
        'the KV cache holds {capacity} tokens; {length} do not fit',
        'KV 缓存最多容纳 {capacity} 个 token；放不下 {length} 个'),
    'learner_file_missing': (
        'there is no file {file}',
        '找不到文件 {file}'),
    'learner_syntax': (
        '{file}, line {line}: syntax error: {error}',
        '{file}，第 {line} 行：语法错误：{error}'),
    'learner_import': (
        '{file}, line {line}: importing it raised {error}',
        '{file}，第 {line} 行：导入时抛出了 {error}'),
    'learner_no_class': (
        "{file} defines no class {name}; the course's layout has GPTConfig, CausalSelfAttention, MLP, TransformerBlock and GPT",
        '{file} 没有定义类 {name}；课程的结构包括 GPTConfig、CausalSelfAttention、MLP、TransformerBlock 和 GPT'),
}


def fields_of(text: str) -> set[str]:
    """The {names} a message template fills in."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


class GlassGPTError(ValueError):
    """A bad value, said in a sentence that names the problem and the fix. `key` and `fields` are kept, so that
    the same sentence can be said in another language (`message(lang)`)."""

    def __init__(self, key: str, **fields):
        if key not in ERRORS:
            raise KeyError(f"GlassGPTError key {key!r} is not in errors.ERRORS")
        self.key = key
        self.fields = fields
        super().__init__(self.message("en"))

    def message(self, lang: str = "en") -> str:
        side = LANGUAGES.index(lang) if lang in LANGUAGES else 0
        return ERRORS[self.key][side].format(**self.fields)
