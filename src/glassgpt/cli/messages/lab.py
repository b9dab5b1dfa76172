"""What the CLI says in the `lab` mode: key -> (English, Chinese). (The page's own texts are in glassgpt/lab.)"""

MESSAGES = {
    "lab.about": (
        "write one HTML page that shows, offline, what this model computes: the architecture with real shapes, "
        "every head's attention, one head step by step, head scores, the logit lens, generation with the KV cache",
        "写出一个 HTML 页面，离线展示这个模型实际算出的一切：带真实形状的结构图、每个头的注意力、逐步拆解的单个注意力头、"
        "注意力头评分、logit 透镜，以及借助 KV 缓存的生成过程"),
    "lab.opt.text": (
        "the input: text, when a tokenizer is known (--tokenizer, or one stored with --checkpoint); token ids "
        "such as \"5 17 3\" otherwise (default: random ids whose second half repeats the first)",
        "输入：已知分词器时（--tokenizer，或 --checkpoint 附带的）为文字，否则为 token id，例如 \"5 17 3\""
        "（默认：随机 id，后半段重复前半段）"),
    "lab.opt.tokenizer": (
        "read --text with this tokenizer (a folder, tokenizer.json, vocab.json or tokenizer.model) instead of the "
        "one stored with --checkpoint",
        "用这个分词器（目录、tokenizer.json、vocab.json 或 tokenizer.model）读取 --text，而不用 --checkpoint 附带的分词器"),
    "lab.opt.out": ("the HTML file to write (default: lab.html)", "要写入的 HTML 文件（默认：lab.html）"),
    "lab.input_random": (
        "Input: {n} random token ids, the second half repeating the first.",
        "输入：{n} 个随机 token id，后半段重复前半段。"),
    "lab.input_text": ("Input: the text, as {n} tokens.", "输入：这段文字，共 {n} 个 token。"),
    "lab.input_ids": ("Input: {n} token ids (no tokenizer came with this model).",
                      "输入：{n} 个 token id（此模型没有附带分词器）。"),
    "lab.wrote": (
        "Wrote {path} ({size}, {generated} tokens generated step by step). Open it in any browser: it needs "
        "no network.",
        "已写入 {path}（{size}，逐步生成了 {generated} 个 token）。用任何浏览器打开即可，无需联网。"),
    "lab.text_needs_tokenizer": (
        "no tokenizer came with this model, so --text must be token ids such as \"5 17 3\", got {text!r}; or "
        "name one with --tokenizer",
        "此模型没有附带分词器，所以 --text 必须是 token id，例如 \"5 17 3\"，收到 {text!r}；或者用 --tokenizer 指定一个"),
    "lab.text_empty": ("--text gave no tokens; give some text or ids", "--text 没有产生任何 token；请给出文字或 id"),
    "lab.cannot_write": ("cannot write {path}: {reason}; choose another file with --out",
                         "无法写入 {path}：{reason}；请用 --out 指定其他文件"),
}
