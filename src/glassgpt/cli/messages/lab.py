"""What the CLI says in the `lab` mode: key -> (English, Chinese). (The page's own texts are in glassgpt/lab.)"""

MESSAGES = {
    "lab.about": (
        "write one HTML page that shows, offline, what this model computes: the architecture with real shapes, "
        "every head's attention, one head step by step, head scores, the logit lens, generation with the KV cache",
        "写出一个 HTML 页面，离线展示这个模型实际算出的一切：带真实形状的结构图、每个头的注意力、逐步拆解的单个注意力头、"
        "注意力头评分、logit 透镜，以及借助 KV 缓存的生成过程"),
    "lab.opt.out": ("the HTML file to write (default: {default})", "要写入的 HTML 文件（默认：{default}）"),
    "lab.opt.layer": (
        "show this layer's heads, 0 .. n_layer-1 (default: as many layers and heads as keep the page small)",
        "展示这一层的头，0 .. n_layer-1（默认：在页面保持小巧的前提下尽量多的层和头）"),
    "lab.opt.head": (
        "show this head of --layer with every number, 0 .. n_head-1 (default: as many heads as keep the page small)",
        "展示 --layer 这一层中的这个头的全部数值，0 .. n_head-1（默认：在页面保持小巧的前提下尽量多的头）"),
    "lab.input_random": (
        "Input: {n} random token ids, the second half repeating the first.",
        "输入：{n} 个随机 token id，后半段重复前半段。"),
    "lab.input_text": ("Input: the text, as {n} tokens.", "输入：这段文字，共 {n} 个 token。"),
    "lab.wrote": (
        "Wrote {path} ({size}, {generated} tokens generated step by step). Open it in any browser: it needs "
        "no network.",
        "已写入 {path}（{size}，逐步生成了 {generated} 个 token）。用任何浏览器打开即可，无需联网。"),
    "lab.overflow": (
        "Overflow: numbers of the forward pass went past {dtype}'s range (first in {module}); the page shows — "
        "where a number is not finite ({parts}).",
        "溢出：前向传播中的数值超出了 {dtype} 的范围（最先出现在 {module}）；页面上不是有限数的地方显示为 —（{parts}）。"),
    "lab.no_folder": (
        "cannot write {path}: there is no folder {folder}; create it, or choose another file with --out",
        "无法写入 {path}：文件夹 {folder} 不存在；请先创建它，或用 --out 指定其他文件"),
    "lab.out_is_folder": (
        "cannot write {path}: it is a folder; give the page a file name, such as {path}/lab.html",
        "无法写入 {path}：它是一个文件夹；请给页面一个文件名，例如 {path}/lab.html"),
    "lab.out_is_input": (
        "will not write {path}: it is part of the checkpoint or tokenizer this run reads, and the page would "
        "replace it; choose another file with --out",
        "不会写入 {path}：它属于本次读取的检查点或分词器，页面会把它覆盖；请用 --out 指定其他文件"),
    "lab.cannot_write": ("cannot write {path}: {reason}; choose another file with --out",
                         "无法写入 {path}：{reason}；请用 --out 指定其他文件"),
}
