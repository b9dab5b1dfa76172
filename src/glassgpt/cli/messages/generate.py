"""What the CLI says in the `generate` mode: key -> (English, Chinese)."""

MESSAGES = {
    "generate.about": ("continue a prompt of token ids, printing each new token as it is chosen",
                       "接着提示词的 token id 往下生成，每选出一个新 token 就立即打印"),
    "generate.untrained": (
        "This model is untrained (random weights from --seed {seed}), so its tokens are random; --checkpoint "
        "loads a trained one.",
        "这个模型未经训练（权重由 --seed {seed} 随机生成），所以生成的 token 是随机的；用 --checkpoint 加载训练过的模型。"),
    "generate.cropped": (
        "The prompt has {n} tokens, more than block_size {block_size}: the model reads only the last {block_size} "
        "of them (the window slides).",
        "提示词有 {n} 个 token，超过了 block_size {block_size}：模型只读其中最后 {block_size} 个（窗口向后滑动）。"),
    "generate.opt.prompt": ("the prompt: text when a tokenizer is known (see --text), else token ids separated by "
                            "commas, such as 1,2,3 (default: {n} random ids drawn from --seed)",
                            "提示词：已知分词器时为文字（见 --text），否则为用逗号分隔的 token id，例如 1,2,3"
                            "（默认：由 --seed 随机抽取 {n} 个 id）"),
    "generate.opt.max_new_tokens": ("how many new tokens to generate (default: {default})",
                                    "要生成的新 token 数（默认：{default}）"),
    "generate.opt.temperature": (
        "sampling temperature: 0 always picks the most likely token (greedy); below 1 sharpens the distribution, "
        "above 1 flattens it (default: {default})",
        "采样温度：0 表示总是选概率最高的 token（贪心）；小于 1 使分布更尖锐，大于 1 使分布更平坦（默认：{default}）"),
    "generate.opt.top_k": ("sample only among the K most likely tokens", "只在概率最高的 K 个 token 中采样"),
    "generate.opt.top_p": ("sample only among the most likely tokens whose probabilities add up to P, 0 < P <= 1 "
                           "(nucleus sampling)",
                           "只在概率之和达到 P 的那些最可能的 token 中采样，0 < P <= 1（核采样）"),
    "generate.opt.cache": ("keep the keys and values of earlier tokens (the KV cache); --no-cache recomputes the "
                           "whole window for every new token",
                           "保存之前 token 的键和值（KV 缓存）；--no-cache 则每生成一个 token 都重新计算整个窗口"),
    "generate.opt.compile": ("compile the one-token decode step with torch.compile first: slow once, faster after",
                             "先用 torch.compile 编译单 token 解码步骤：编译一次较慢，之后更快"),
    "generate.title": ("Generating {n} tokens with {config}", "用 {config} 生成 {n} 个 token"),
    "generate.settings": ("temperature={temperature} top_k={top_k} top_p={top_p}, {cache}",
                          "temperature={temperature} top_k={top_k} top_p={top_p}，{cache}"),
    "generate.cache_on": ("with the KV cache", "使用 KV 缓存"),
    "generate.cache_off": ("without the KV cache", "不使用 KV 缓存"),
    "generate.prompt": ("prompt ({n} tokens):", "提示词（{n} 个 token）："),
    "generate.new_tokens": ("new tokens:", "新 token："),
    "generate.prompt_text": ("as text:", "文字："),
    "generate.new_text": ("continued:", "续写："),
    "generate.text_and_prompt": ("give the prompt once: --text or --prompt, not both",
                                 "提示词只给一次：--text 或 --prompt，不要同时给"),
    "generate.compiling": ("compiling the decode step with torch.compile (once)...",
                           "正在用 torch.compile 编译解码步骤（只需一次）……"),
    "generate.compiled": ("done in {seconds:.1f} s", "用时 {seconds:.1f} 秒"),
    "generate.speed": ("{n} new tokens in {seconds:.3f} s: {rate:.1f} new tokens/s",
                       "{n} 个新 token 用时 {seconds:.3f} 秒：每秒 {rate:.1f} 个新 token"),
    "generate.bad_prompt": ("--prompt must be token ids separated by commas, such as 1,2,3; got {prompt!r}",
                            "--prompt 必须是用逗号分隔的 token id，例如 1,2,3；收到 {prompt!r}"),
}
