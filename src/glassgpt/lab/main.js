// glassgpt lab, 6 of 6: the model line, the tokens, the architecture (sections 1 and 2), drawing the whole page,
// the language switch, and the start: the data is unpacked (data.js), then everything is drawn.

function renderModel() {
  const c = DATA.config;
  const line = tr("model.line", {
    source: DATA.source, params: DATA.n_params.toLocaleString("en"), layers: c.n_layer, heads: c.n_head,
    width: c.n_embd, vocab: c.vocab_size, block: c.block_size,
  });
  if (!DATA.overflow) return line;
  const { module, parts } = DATA.overflow;
  return h("span", {}, line, h("strong", { class: "overflow", id: "overflow" },
    tr("page.overflow", { module: module || "?", parts: parts.join(", ") })));
}

function renderTokens() {
  const chips = range(T).map((i) =>
    h("span", { class: "chip" },
      h("span", { class: "pos" }, String(i)),
      h("span", { class: "text" }, tokenText(i)),
      DATA.tokens.texts ? h("span", { class: "id" }, "id " + DATA.tokens.ids[i]) : null));
  const how = DATA.tokens.texts ? tr("tokens.with_text", { n: T }) : tr("tokens.ids_only", { n: T });
  return h("div", {}, h("p", { class: "muted" }, how), h("div", { class: "chips" }, chips));
}

// what each module does, by its role; a role without an entry shows its name and shapes only
const ROLE_TEXT = {
  tok_emb: "diagram.tok_emb", pos_emb: "diagram.pos_emb", drop: "diagram.drop", ln_1: "diagram.ln",
  attn: "diagram.attn", "attn.c_attn": "diagram.c_attn", "attn.split_heads": "diagram.split_heads",
  "attn.scores": "diagram.scores", "attn.mask": "diagram.mask", "attn.softmax": "diagram.softmax",
  "attn.attn_dropout": "diagram.dropout", "attn.weighted_sum": "diagram.weighted_sum",
  "attn.merge_heads": "diagram.merge_heads", "attn.c_proj": "diagram.attn_proj",
  "attn.resid_dropout": "diagram.dropout", ln_2: "diagram.ln", mlp: "diagram.mlp", "mlp.c_fc": "diagram.c_fc",
  "mlp.gelu": "diagram.gelu", "mlp.c_proj": "diagram.mlp_proj", "mlp.dropout": "diagram.dropout",
  ln_f: "diagram.ln_f", lm_head: "diagram.lm_head",
};

function shapeText(dims) {
  return "(" + dims.join(", ") + ")";
}

function moduleBox(step) {
  const what = ROLE_TEXT[step.role] ? [tr(ROLE_TEXT[step.role])] : [];
  if (step.params > 0) what.push(tr("diagram.params", { n: step.params.toLocaleString("en") }));
  if (step.tied_to) what.push(tr("diagram.tied", { other: step.tied_to }));
  return h("div", { class: "box" }, h("span", { class: "role mono" }, step.role),
    h("span", { class: "what" }, what.join(" · ")),
    h("span", { class: "shape mono" }, shapeText(step.input) + " → " + shapeText(step.output)));
}

function renderDiagram() {
  const parts = [];
  let block = null;
  for (const step of DATA.diagram) {
    if (step.role === "gpt") { // the whole model: what it was given
      parts.push(h("div", { class: "box" }, h("span", { class: "role mono" }, "idx"),
        h("span", { class: "what" }, tr("diagram.idx")), h("span", { class: "shape mono" }, shapeText(step.input))));
    } else if (step.layer === 0 && step.role === "block") {
      block = h("div", { class: "block" },
        h("div", { class: "title" }, tr("diagram.blocks", { n: N_LAYER, shape: shapeText(step.output) })));
      parts.push(block);
    } else if (step.layer === 0 && block) {
      block.append(moduleBox(step));
    } else {
      parts.push(moduleBox(step));
    }
  }
  return h("div", { class: "diagram" }, parts);
}

// ---- drawing the whole page, and the language switch

const SECTIONS = {
  model: renderModel, tokens: renderTokens, diagram: renderDiagram, attention: renderAttention,
  steps: renderSteps, heads: renderHeads, lens: renderLens, generation: renderGeneration,
};

function render(section) {
  document.getElementById(section).replaceChildren(SECTIONS[section]());
}

function renderAll() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.title = tr("page.title");
  document.querySelectorAll("[data-t]").forEach((node) => { node.textContent = tr(node.dataset.t); });
  document.querySelectorAll("[data-lang]").forEach((button) => {
    button.classList.toggle("on", button.dataset.lang === state.lang);
  });
  Object.keys(SECTIONS).forEach(render);
  const link = document.getElementById("png-link");
  if (!link.hidden) link.textContent = tr("png.saved", { file: link.download });
}

document.querySelectorAll("[data-lang]").forEach((button) => button.addEventListener("click", () => {
  state.lang = button.dataset.lang;
  renderAll();
}));

// the data first (decompressed by the browser: asynchronous), then every part of the page
loadData().then(() => {
  STARTERS.forEach((start) => start());
  renderAll();
  document.body.dataset.ready = "yes"; // drawn: browser tests wait for this
}).catch((error) => {
  document.getElementById("model").textContent = "glassgpt lab: " + error; // no data, no page: say why
  throw error;
});
