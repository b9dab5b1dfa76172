"""Every error glassgpt raises for a bad value, written once in English and once in Simplified Chinese.

`GlassGPTError(key, **fields)` is a `ValueError` whose text is the English sentence of `ERRORS[key]` (a
catalog.Catalog), filled with `fields`; `error.message("zh")` is the same sentence in Chinese, which is what the CLI
prints. Keys are checked when the error is made (an unknown key is a bug, and fails loudly), and
tests/test_messages.py checks that every key the code names exists, with the same fields in both languages.
"""

from .catalog import LANGUAGES, Catalog, default_language, fields_of

__all__ = ["ERRORS", "GlassGPTError", "LANGUAGES", "Catalog", "default_language", "fields_of"]

# key -> (English, Chinese); both sides take the same {fields}
ERRORS = Catalog({
    'config_not_int': (
        '{field} must be a whole number, got {value}; pass an int such as 64',
        '{field} 必须是整数，收到 {value}；请给出如 64 这样的整数'),
    'config_not_positive': (
        '{field} must be positive, got {value}; pass a value of at least 1',
        '{field} 必须为正数，收到 {value}；请给出至少为 1 的值'),
    'config_heads_divide': (
        'n_embd ({n_embd}) must be divisible by n_head ({n_head}) so that every head gets the same size; choose '
        'n_head among the divisors of {n_embd}, or change n_embd',
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
        '{owner} has no field {name!r}; its fields are {known}',
        '{owner} 没有字段 {name!r}；它的字段有：{known}'),
    'idx_not_2d': (
        'idx must be 2-D (batch, time), got shape {shape}; for one sequence use idx.unsqueeze(0)',
        'idx 必须是二维的（batch, time），收到形状 {shape}；单条序列请用 idx.unsqueeze(0)'),
    'idx_empty': (
        'idx is empty (shape {shape}); give at least one token',
        'idx 为空（形状 {shape}）；至少需要一个 token'),
    'too_long': (
        'sequence of {length} tokens is longer than block_size {block_size}; crop it to the last {block_size} tokens '
        'or use a config with a larger block_size',
        '序列长度 {length} 超过了 block_size {block_size}；请截取最后 {block_size} 个 token，或使用更大的 block_size'),
    'crop_block_size': (
        'crop_block_size can only shorten the context: block_size must lie in [1, {current}], got {block_size}',
        'crop_block_size 只能缩短上下文：block_size 必须在 [1, {current}] 之内，收到 {block_size}'),
    'bad_token_id': (
        'token ids must lie in [0, {last}] (vocab_size {vocab_size}), got ids from {low} to {high}',
        'token id 必须在 [0, {last}] 之内（vocab_size 为 {vocab_size}），收到的 id 从 {low} 到 {high}'),
    'targets_shape': (
        'targets must have the same shape as idx {expected}, got {got}',
        'targets 的形状必须与 idx 相同 {expected}，收到 {got}'),
    'bad_target_id': (
        'targets must lie in [0, {last}], or be -1 or -100 to leave a position out of the loss',
        'targets 必须在 [0, {last}] 之内，或为 -1 或 -100 表示该位置不计入损失'),
    'targets_all_ignored': (
        'every target of this batch {shape} is ignored (-1 or -100), so there is no loss to compute; give at least '
        'one position a real next token',
        '这个批次 {shape} 的所有 targets 都被忽略（-1 或 -100），没有可计算的损失；请至少给一个位置真实的下一个 token'),
    'logits_not_finite': (
        'the model produced NaN or infinite logits, so no next token can be chosen; its weights or its number '
        'format ({dtype}) are broken: check the checkpoint, or use fp32',
        '模型输出了 NaN 或无穷大的 logits，无法选出下一个 token；它的权重或数值格式（{dtype}）有问题：请检查检查点，或改用 fp32'),
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
        '{file}: tensor {tensor} holds {dtype}, not weights glassgpt computes with (float16, bfloat16, float32 or '
        'float64); convert them, e.g. tensor.to(torch.bfloat16), and save again',
        '{file}：张量 {tensor} 的类型是 {dtype}，不是 glassgpt 能计算的权重（float16、bfloat16、float32 或 float64）；'
        '请先转换，例如 tensor.to(torch.bfloat16)，再保存'),
    'state_dict_mismatch': (
        'state_dict does not match the model: missing {missing}; unexpected {unexpected}',
        'state_dict 与模型不符：缺少 {missing}；多出 {unexpected}'),
    'checkpoint_unexpected_tensor': (
        '{file} has a tensor the config has no place for: {tensor}',
        '{file} 含有配置中没有位置的张量：{tensor}'),
    'seq_len_range': (
        'seq_len must lie in [1, block_size {block_size}], got {seq_len}: a sequence has at least one token, and the '
        'model has positions for block_size of them',
        'seq_len 必须在 [1, block_size {block_size}] 之内，收到 {seq_len}：序列至少有一个 token，而模型只有 block_size 个位置'),
    'mfu_positive': (
        'estimate_mfu needs a positive time and a positive peak, got dt={dt} and peak_flops={peak_flops}',
        'estimate_mfu 需要正的时间和正的峰值算力，收到 dt={dt}、peak_flops={peak_flops}'),
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
        "{file} defines no class {name}; the course's layout has GPTConfig, CausalSelfAttention, MLP, "
        "TransformerBlock and GPT",
        '{file} 没有定义类 {name}；课程的结构包括 GPTConfig、CausalSelfAttention、MLP、TransformerBlock 和 GPT'),
    'learner_import_timeout': (
        '{file}, line {line}: importing it was still running after {seconds:g} s, the time limit; an endless loop at '
        'the top level? Code that should not run on import belongs under if __name__ == "__main__":, or give it more '
        'time with --timeout',
        '{file}，第 {line} 行：导入它超过了时间限制 {seconds:g} 秒仍未结束；顶层是不是有死循环？不应在导入时运行的代码请放到 if __name__ == "__main__": 下面，或用 '
        '--timeout 给它更多时间'),
    'learner_import_crashed': (
        '{file}, line {line}: importing it crashed Python ({error})',
        '{file}，第 {line} 行：导入它时 Python 崩溃了（{error}）'),
    'learner_import_ended': (
        '{file}: importing it ended the process (exit status {status}) before any check could run; remove the '
        'os._exit() or exit() from the top level, or put that code under if __name__ == "__main__":',
        '{file}：导入它时进程就结束了（退出状态 {status}），任何检查都没能运行；请去掉顶层的 os._exit() 或 exit()，或把那段代码放到 if __name__ == "__main__": 下面'),
    'learner_garbled': (
        '{file}: the process running it sent something that is not an answer ({error}); does the file write to file '
        'descriptors it did not open?',
        '{file}：运行它的进程发回了不是应答的内容（{error}）；这个文件是否向不属于它的文件描述符写了东西？'),
    'check_timeout_value': (
        'the time limit must be a positive number of seconds, got {value}; for example --timeout 60',
        '时间限制必须是正的秒数，收到 {value}；例如 --timeout 60'),
    'checker_child_failed': (
        'the checker could not start the process that runs your file: {error}',
        '检查器无法启动运行你的文件的进程：{error}'),
    # --- checkpoints, the hub, memory, tokenizers (checkpoints/, accounting.py, text.py) ---
    'checkpoint_not_found': (
        '{file} does not exist; a checkpoint is a folder (config.json + model.safetensors), a .pt file, or a hub '
        'name ({names})',
        '{file} 不存在；检查点可以是目录（config.json + model.safetensors）、.pt 文件，或 Hub 上的名字（{names}）'),
    'checkpoint_not_finite': (
        '{file}: tensor {tensor} holds NaN or infinite values; the model it was saved from had diverged: use an '
        'earlier checkpoint',
        '{file}：张量 {tensor} 含有 NaN 或无穷大；保存它的模型已经发散：请使用更早的检查点'),
    'checkpoint_pt_unknown': (
        "{file} is neither a course checkpoint (a dict with 'model' and 'config') nor a state dict of tensors: "
        'it holds {found}',
        "{file} 既不是课程检查点（含 'model' 和 'config' 的字典），也不是由张量组成的 state dict：它包含 {found}"),
    'checkpoint_pt_config_type': (
        "{file}: its 'config' is a {type}; a course checkpoint's config is a GPTConfig or a dict of its fields",
        "{file}：其中的 'config' 是 {type}；课程检查点的 config 应是 GPTConfig 或由其字段组成的字典"),
    'checkpoint_pt_config_fields': (
        "{file}: its 'config' has fields GPTConfig does not know: {unknown}; GPTConfig's fields are {known}",
        "{file}：其中的 'config' 含有 GPTConfig 没有的字段：{unknown}；GPTConfig 的字段是 {known}"),
    'checkpoint_unsafe_pickle': (
        '{file} holds Python objects that torch.load(weights_only=True) refuses, because loading them could run '
        "code: {names}; save tensors, plain containers and the GPTConfig only, e.g. torch.save({{'model': "
        "model.state_dict(), 'config': config}}, path)",
        "{file} 含有 torch.load(weights_only=True) 拒绝加载的 Python 对象（加载它们可能执行代码）：{names}；请只保存张量、"
        "普通容器和 GPTConfig，例如 torch.save({{'model': model.state_dict(), 'config': config}}, path)"),
    'checkpoint_needs_config': (
        '{file} holds weights but no config, and their shapes ({shapes}) match no preset, so n_head and the GELU '
        'cannot be known; pass the config: GPT.from_pretrained(path, config=GPTConfig(...))',
        '{file} 只有权重没有配置，其形状（{shapes}）不符合任何预设，无法得知 n_head 和 GELU；请给出配置：'
        'GPT.from_pretrained(path, config=GPTConfig(...))'),
    'checkpoint_config_conflict': (
        '{file} holds its own config, and the config passed differs from it in {field} ({stored} in the file, '
        '{given} passed); leave config out to use the file\'s',
        '{file} 自带配置，而传入的配置在 {field} 上与之不同（文件中为 {stored}，传入的是 {given}）；不传 config 即使用文件中的配置'),
    'state_dict_shape': (
        'state_dict[{tensor!r}] has shape {got}, but this model\'s config needs {expected}; pass the state dict of '
        'a model with the same config',
        'state_dict[{tensor!r}] 的形状是 {got}，而此模型的配置要求 {expected}；请传入配置相同的模型的 state dict'),
    'checkpoint_folder_foreign': (
        '{folder} holds {names}, which are not part of a checkpoint; save_pretrained replaces the whole folder at '
        'once, so save into a new or empty folder, or move those out',
        '{folder} 中有不属于检查点的 {names}；save_pretrained 会一次替换整个目录，请保存到新的或空的目录，或先移走它们'),
    'checkpoint_save_is_file': (
        '{folder} is a file; save_pretrained writes a folder: give the path of a folder',
        '{folder} 是一个文件；save_pretrained 写入的是目录：请给出目录路径'),
    'checkpoint_save_race': (
        'another process moved {folder} while this save was replacing it; nothing of this save was kept: save '
        'again',
        '本次保存替换 {folder} 时，另一个进程移动了它；本次保存未留下任何内容：请重新保存'),
    'not_regular_file': (
        '{file} is not a regular file (a FIFO, a device or a socket); glassgpt reads checkpoints and tokenizers '
        'only from regular files and folders',
        '{file} 不是普通文件（而是 FIFO、设备或套接字）；glassgpt 只从普通文件和目录读取检查点和分词器'),
    'checkpoint_unreadable': (
        '{file} cannot be read ({reason}); check its permissions',
        '无法读取 {file}（{reason}）；请检查它的权限'),
    'checkpoint_empty_name': (
        'the checkpoint is an empty name; give a folder, a .pt file or a hub name ({names})',
        '检查点的名字为空；请给出目录、.pt 文件或 Hub 上的名字（{names}）'),
    'plain_pickle_too_big': (
        '{file} is {size} bytes, more than the {limit} a vocabulary file may have; give the meta.pkl of the data '
        'the model was trained on',
        '{file} 有 {size} 字节，超过词表文件上限 {limit}；请给出训练该模型所用数据的 meta.pkl'),
    'plain_pickle_unsafe': (
        '{file} asks to load {names}, which could run code; glassgpt reads meta.pkl as plain data only (dicts, '
        'strings, numbers): write it with pickle.dump of such a dict',
        '{file} 要求加载 {names}，这可能执行代码；glassgpt 只把 meta.pkl 当作普通数据（字典、字符串、数字）读取：'
        '请用 pickle.dump 保存这样的字典'),
    'nanogpt_meta_bad': (
        "{file} is not nanoGPT's meta.pkl: it needs 'stoi' (one character -> an id of 0 or more) and 'itos' "
        "(id -> character), each the other's inverse",
        "{file} 不是 nanoGPT 的 meta.pkl：它需要 'stoi'（单个字符 -> 不小于 0 的 id）和 'itos'（id -> 字符），"
        "且两者互为逆映射"),
    'nanogpt_override_args': (
        'override_args may change only {known} (as in nanoGPT), got {unknown}',
        'override_args 只能修改 {known}（与 nanoGPT 相同），收到 {unknown}'),
    'checkpoint_folder_not_ours': (
        '{folder} holds {names} but is not a checkpoint (no config.json of a GPT-2 or no weights file); '
        'save_pretrained replaces the whole folder, so save into a new or empty folder',
        '{folder} 中有 {names}，但它不是检查点（没有 GPT-2 的 config.json 或没有权重文件）；save_pretrained 会替换整个'
        '目录，请保存到新的或空的目录'),
    'checkpoint_save_failed': (
        'could not save to {folder} ({reason}); what was there is unchanged: free space or choose a writable folder',
        '无法保存到 {folder}（{reason}）；原有内容未变：请腾出空间或选择可写的目录'),
    'tokenizer_no_unknown': (
        'the tokenizer has no token for a word of the text and no unknown token to stand in for it; use text its '
        'vocabulary covers',
        '分词器没有文本中某个词的 token，也没有可代替它的未知 token；请使用其词表覆盖的文本'),
    'tokenizer_dropped_char': (
        'the tokenizer cannot write {char} and would silently drop it (no byte fallback, no unknown token); use '
        'text its vocabulary covers',
        '分词器无法表示 {char}，会把它悄悄丢掉（没有字节回退，也没有未知 token）；请使用其词表覆盖的文本'),
    'capture_unknown_name': (
        '{argument} names {name!r}, which is no module or hook point of this model; names are module paths as '
        'model.named_modules() gives them, e.g. {example!r}',
        '{argument} 中的 {name!r} 不是此模型的模块或钩子点；名称是 model.named_modules() 给出的模块路径，'
        '例如 {example!r}'),
    'capture_until_cache': (
        'until={until!r} would stop the pass with the KV cache filled for some layers only; capture without until '
        'when passing a kv_cache',
        'until={until!r} 会让前向计算中途停止，KV 缓存只有部分层被写入；传入 kv_cache 时请不要使用 until'),
    'capture_layers': (
        'layers must be one layer number or a non-empty list of them, each from 0 to {last}, got {layers}',
        'layers 必须是一个层号或非空的层号列表，每个都在 0 到 {last} 之间，收到 {layers}'),
    'hub_unavailable': (
        'could not get {name} from the Hugging Face Hub ({reason}); on a machine with internet access run '
        '`hf download {name} --local-dir DIR`, then load DIR (--checkpoint DIR)',
        '无法从 Hugging Face Hub 获取 {name}（{reason}）；请在能联网的机器上运行 `hf download {name} --local-dir DIR`，'
        '然后加载 DIR（--checkpoint DIR）'),
    'hub_offline': (
        '{name} is not in the Hugging Face cache ({cache}), and HF_HUB_OFFLINE is set, so it cannot be downloaded; '
        'unset HF_HUB_OFFLINE, or on a machine with internet access run `hf download {name} --local-dir DIR`, then '
        'load DIR (--checkpoint DIR)',
        '{name} 不在 Hugging Face 缓存（{cache}）中，且设置了 HF_HUB_OFFLINE，无法下载；请取消 HF_HUB_OFFLINE，'
        '或在能联网的机器上运行 `hf download {name} --local-dir DIR`，然后加载 DIR（--checkpoint DIR）'),
    'not_enough_memory': (
        '{what} needs {size} of memory, but {device} has {available} available; choose a smaller size, or free '
        'memory',
        '{what} 需要 {size} 内存，而 {device} 只有 {available} 可用；请选更小的规模，或释放内存'),
    'tokenizer_not_found': (
        '{path} holds no tokenizer: glassgpt reads tokenizer.json, vocab.json + merges.txt, tokenizer.model, '
        "nanoGPT's meta.pkl, or the 'vocab' of a course .pt file",
        "{path} 中没有分词器：glassgpt 能读取 tokenizer.json、vocab.json + merges.txt、tokenizer.model、"
        "nanoGPT 的 meta.pkl，或课程 .pt 文件中的 'vocab'"),
    'tokenizer_damaged': (
        '{file} is not a tokenizer glassgpt can read, or it is damaged',
        '{file} 不是 glassgpt 能读取的分词器，或已损坏'),
    'tokenizer_vocab_too_big': (
        'the tokenizer has {tokenizer} tokens but the model only {model}; use the tokenizer the model was trained '
        'with',
        '分词器有 {tokenizer} 个 token，而模型只有 {model} 个；请使用训练该模型时的分词器'),
    'tokenizer_bad_id': (
        'token id {id} is not in the tokenizer\'s vocabulary of {vocab_size} tokens',
        'token id {id} 不在分词器的 {vocab_size} 个 token 之内'),
    'tokenizer_unknown_char': (
        'the character {char} is not in this character vocabulary of {size} characters; use only characters of '
        'the text it was built from',
        '字符 {char} 不在这个含 {size} 个字符的字符表中；请只使用构建字符表的文本中出现过的字符'),
    'char_vocab_bad': (
        '{what} is not a character vocabulary: it must map single characters to distinct whole numbers of 0 or more',
        '{what} 不是字符表：它必须把单个字符映射到互不相同、不小于 0 的整数'),
    'char_vocab_empty': (
        'the text is empty; a character vocabulary needs at least one character',
        '文本为空；字符表至少需要一个字符'),
    'lab_language': (
        'the lab page speaks en or zh, got {lang!r}; pass lang="en" or lang="zh"',
        '实验室页面只支持 en 或 zh，收到 {lang!r}；请传入 lang="en" 或 lang="zh"'),
    'display_language': (
        'glassgpt\'s notebook display speaks en or zh, got {lang!r}; pass "en" or "zh"',
        'glassgpt 的笔记本显示只支持 en 或 zh，收到 {lang!r}；请传入 "en" 或 "zh"'),
    'show_needs_tokenizer': (
        'show() needs a tokenizer to turn text into token ids; pass tokenizer= (a tokenizer, or a path holding '
        'one), or leave text out to see random repeated ids',
        'show() 需要分词器才能把文字变成 token id；请传入 tokenizer=（一个分词器，或存有分词器的路径），或者不给 '
        'text，改看随机重复的 id'),
    'repeat_periods': (
        'the periods must satisfy 1 <= min_period ({min_period}) <= max_period ({max_period}) <= {largest}: a period '
        'holds distinct tokens (vocab_size {vocab_size}) and must repeat within a row of {seq_len} tokens; choose '
        'periods in that range',
        '周期必须满足 1 <= min_period（{min_period}）<= max_period（{max_period}）<= {largest}：一个周期内的 token 互不相同（vocab_size 为 '
        '{vocab_size}），且必须在 {seq_len} 个 token 长的一行内重复；请在此范围内选择周期'),
    'pattern_shape': (
        'an attention pattern must have shape (n_layer, B, nh, T, T) and its keys (B, T, T), got {pattern} and '
        '{keys}; attention_weights(model, idx) returns such a pattern',
        '注意力模式的形状必须是 (n_layer, B, nh, T, T)，键的形状必须是 (B, T, T)，收到 {pattern} 和 {keys}；attention_weights(model, idx) '
        '返回的就是这样的模式'),
    'score_no_queries': (
        'no position of these tokens has a key this score counts (for the duplicate-token and induction scores: no '
        'token occurs twice); score tokens in which some token repeats',
        '这些 token 中没有任何位置有该分数所计的键（对重复 token 分数和归纳分数而言：没有 token 出现两次）；请用有重复 token 的序列来评分'),
    'train_needs_data': (
        'the text task trains on a text file; name one (data="file.txt", or --data FILE)',
        '文本任务需要一个文本文件来训练；请指定一个（data="file.txt"，或 --data FILE）'),
    'train_rate': (
        '{field} must be a finite number of at least 0 (learning_rate: more than 0), got {value}',
        '{field} 必须是不小于 0 的有限数（learning_rate 必须大于 0），收到 {value}'),
    'train_data_unreadable': (
        'cannot read {file} as UTF-8 text ({reason}); give an existing text file saved as UTF-8',
        '无法以 UTF-8 文本读取 {file}（{reason}）；请给出一个存在的、以 UTF-8 保存的文本文件'),
    'train_data_not_file': (
        '{file} is not a regular file (but a folder, a FIFO, a device or a socket); training reads its text from a '
        'regular file',
        '{file} 不是普通文件（而是目录、FIFO、设备或套接字）；训练只从普通文件读取文本'),
    'train_data_too_big': (
        '{file} is {size} bytes, more than the {limit} bytes a training text may have; use a part of it (this '
        'trainer grows small models in a few thousand steps)',
        '{file} 有 {size} 字节，超过训练文本上限 {limit} 字节；请只用其中一部分（这个训练器只用几千步训练小模型）'),
    'train_data_empty': (
        '{file} is empty; give a text file with some text in it',
        '{file} 是空的；请给出一个有内容的文本文件'),
    'train_data_short': (
        '{file} has {length} characters; training needs at least {needed} (seq_len + 1); use a longer text or a '
        'smaller seq_len',
        '{file} 只有 {length} 个字符；训练至少需要 {needed} 个（seq_len + 1）；请换更长的文本，或减小 seq_len'),
    'train_state_other_model': (
        '{file} is the training state of another model ({state}) than the one beside it ({model}); resume the '
        'folder the run saved into, or train again without resuming',
        '{file} 是另一个模型（{state}）的训练状态，与同目录的模型（{model}）不符；请继续训练该次训练保存的目录，或不带'
        '继续选项重新训练'),
    'train_no_state': (
        '{folder} holds no {file}, so there is no run to resume; train without resuming first, or name the folder a '
        'run saved into',
        '{folder} 中没有 {file}，因此没有可以继续的训练；请先不带继续选项训练一次，或指定训练保存到的目录'),
    'config_negative': (
        '{field} must be 0 or more, got {value}',
        '{field} 必须大于或等于 0，收到 {value}'),
    'train_seed': (
        'seed must be a whole number from 0 to {largest}, got {value}',
        'seed 必须是 0 到 {largest} 之间的整数，收到 {value}'),
    'lens_top_k': (
        'top_k must be a whole number of at least 1, got {value}',
        'top_k 必须是至少为 1 的整数，收到 {value}'),
    # ablation and the timeline (interventions.py, timeline.py)
    'ablate_heads_syntax': (
        'heads are written LAYER.HEAD separated by commas, such as 0.1,1.0; got {text!r}',
        '注意力头的写法是 层.头，用逗号分隔，例如 0.1,1.0；收到 {text!r}'),
    'ablate_head_range': (
        'head {head} does not exist: this model has layers 0 to {n_layer} - 1 and heads 0 to {n_head} - 1 in each',
        '头 {head} 不存在：此模型的层编号为 0 到 {n_layer} - 1，每层的头编号为 0 到 {n_head} - 1'),
    'ablate_needs_means': (
        'mean ablation needs each head\'s mean output: pass means=head_means(model, idx)',
        '均值消融需要每个头的平均输出：请传入 means=head_means(model, idx)'),
    'ablate_no_tokens': (
        'no token is counted in this loss (every target is -1): give a longer input, or one whose tokens repeat',
        '这个损失里没有任何被计入的 token（所有目标都是 -1）：请给出更长的输入，或其中 token 有重复的输入'),
    'timeline_missing': (
        '{folder} holds no {file}: only runs of `glassgpt train` record a timeline (older runs and Hugging Face '
        'folders have none); train one with `glassgpt train --task induction --out DIR`',
        '{folder} 中没有 {file}：只有 `glassgpt train` 的训练会记录时间线（较早的训练和 Hugging Face 目录都没有）；请用 `glassgpt train --task '
        'induction --out DIR` 训练一个'),
    'timeline_damaged': (
        '{file} is not a timeline this version of glassgpt can read ({reason}); train again to record a new one',
        '{file} 不是此版本 glassgpt 能读取的时间线（{reason}）；请重新训练以记录新的时间线'),
})


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
        return ERRORS.say(self.key, lang, **self.fields)
