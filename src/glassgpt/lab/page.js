// glassgpt lab: lays out the data in <script id="lab-data"> (written by glassgpt/lab/payload.py).
// Everything is drawn here, offline: no request leaves the page. Every sentence comes from DATA.texts, which
// holds each one in English and Chinese (glassgpt/lab/texts.py); the switch redraws the page in the other.
"use strict";

const DATA = JSON.parse(document.getElementById("lab-data").textContent);
const ATT = DATA.attention;
const N_LAYER = DATA.config.n_layer;
const N_HEAD = DATA.config.n_head;
const T = DATA.tokens.prompt_length;
const state = {
  lang: DATA.lang,
  layer: 0, // the layer whose heads the attention section shows
  walk: { layer: 0, head: 0, query: T - 1 }, // the head and query row of the step-by-step view
  step: 0, // the generation step shown
  genHead: -1, // -1: the mean over heads
};
const MASKED = "#d9d9d9";
const FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif";
const TITLE_FONT = "bold 12px " + FONT_FAMILY;

// ---- words and numbers

function tr(key, fields) {
  const pair = DATA.texts[key];
  if (pair === undefined) throw new Error("glassgpt lab: no text for " + key);
  return pair[state.lang === "zh" ? 1 : 0].replace(/\{(\w+)\}/g, (whole, name) =>
    fields !== undefined && name in fields ? String(fields[name]) : whole);
}

function fmt(x) {
  if (x === null || x === undefined || !Number.isFinite(x)) return "—"; // an overflow: no number to show
  if (x !== 0 && Math.abs(x) < 1e-4) return x.toExponential(1);
  return x.toFixed(4);
}

function visible(text) {
  // a space, newline or tab would vanish from a label: show it as a sign (as the terminal views do)
  return text.replace(/ /g, "␣").replace(/\n/g, "⏎").replace(/\r/g, "␍").replace(/\t/g, "⇥");
}

function tokenText(position) {
  const texts = DATA.tokens.texts;
  return texts ? visible(texts[position]) : "#" + DATA.tokens.ids[position];
}

function idText(id) {
  // a token named outside the sequence: a candidate, a prediction of the logit lens
  const texts = DATA.tokens.id_texts;
  return texts ? visible(texts[String(id)]) : "#" + id;
}

function axisLabel(position) {
  const text = tokenText(position);
  return position + " " + (text.length > 10 ? text.slice(0, 9) + "…" : text);
}

function range(n) {
  return Array.from({ length: n }, (_, i) => i);
}

// ---- the DOM

function h(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

function choice(label, on, click) {
  return h("button", { type: "button", class: on ? "on" : "", onclick: click }, label);
}

// ---- heatmaps on canvas (the labels are drawn into the canvas, so a saved PNG carries them)

function weightColour(w) {
  // 0 white .. 1 deep blue
  const t = Math.max(0, Math.min(1, w));
  return `rgb(${Math.round(255 - 247 * t)},${Math.round(255 - 207 * t)},${Math.round(255 - 148 * t)})`;
}

function divergingColour(limit) {
  // negative blue, 0 white, positive red; `limit` maps to the strongest colour
  return (x) => {
    const t = limit > 0 ? Math.max(-1, Math.min(1, x / limit)) : 0;
    if (t >= 0) return `rgb(255,${Math.round(255 - 190 * t)},${Math.round(255 - 200 * t)})`;
    return `rgb(${Math.round(255 + 200 * t)},${Math.round(255 + 140 * t)},255)`;
  };
}

function largest(matrix) {
  return Math.max(0, ...matrix.flat().map(Math.abs));
}

// options: title, rows, cols, rowLabel(i), colLabel(j), value(i, j) (null: masked), colour(value),
// hover(i, j) -> lines, click(i, j), file (PNG name), selectedRow
function heatmap(options) {
  const { rows, cols } = options;
  const cell = Math.max(8, Math.min(26, Math.floor(320 / Math.max(rows, cols))));
  const labelFont = Math.max(8, Math.min(12, cell - 1)) + "px " + FONT_FAMILY; // a label no taller than its row
  const measure = document.createElement("canvas").getContext("2d");
  measure.font = labelFont;
  const widest = (labels) => Math.ceil(Math.max(0, ...labels.map((s) => measure.measureText(s).width)));
  const rowLabels = range(rows).map(options.rowLabel);
  const colLabels = range(cols).map(options.colLabel);
  const titleHeight = 22;
  const left = widest(rowLabels) + 8;
  const top = titleHeight + widest(colLabels) + 8;
  measure.font = TITLE_FONT;
  const width = Math.max(left + cols * cell + 6, Math.ceil(measure.measureText(options.title).width) + 12);
  const height = top + rows * cell + 6;

  const canvas = h("canvas", { class: "heatmap" });
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.ceil(width * ratio);
  canvas.height = Math.ceil(height * ratio);
  canvas.style.width = width + "px";
  canvas.style.height = height + "px";
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  ctx.fillStyle = "#ffffff"; // an opaque background, so the PNG reads well anywhere
  ctx.fillRect(0, 0, width, height);
  ctx.fillStyle = "#1d232b";
  ctx.textBaseline = "middle";
  ctx.font = TITLE_FONT;
  ctx.fillText(options.title, 4, titleHeight / 2);
  ctx.font = labelFont;
  ctx.textAlign = "right";
  rowLabels.forEach((label, i) => ctx.fillText(label, left - 4, top + i * cell + cell / 2));
  ctx.textAlign = "left";
  colLabels.forEach((label, j) => {
    ctx.save();
    ctx.translate(left + j * cell + cell / 2, top - 4);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText(label, 0, 0);
    ctx.restore();
  });
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const value = options.value(i, j);
      ctx.fillStyle = value === null ? MASKED : options.colour(value);
      ctx.fillRect(left + j * cell, top + i * cell, cell, cell);
    }
  }
  ctx.strokeStyle = "#8a939c";
  ctx.lineWidth = 1;
  ctx.strokeRect(left, top, cols * cell, rows * cell);
  if (options.selectedRow !== undefined) {
    ctx.strokeStyle = "#e6550d";
    ctx.lineWidth = 2;
    ctx.strokeRect(left, top + options.selectedRow * cell, cols * cell, cell);
  }
  // where the cells are, in CSS pixels from the canvas's top-left corner (tests hover a cell with these)
  Object.assign(canvas.dataset, { left, top, cell, rows, cols });

  const cellAt = (event) => {
    const box = canvas.getBoundingClientRect();
    const x = ((event.clientX - box.left) * width) / box.width;
    const y = ((event.clientY - box.top) * height) / box.height;
    const i = Math.floor((y - top) / cell);
    const j = Math.floor((x - left) / cell);
    return i >= 0 && i < rows && j >= 0 && j < cols ? [i, j] : null;
  };
  canvas.addEventListener("mousemove", (event) => {
    const at = cellAt(event);
    if (at && options.hover) showTooltip(options.hover(...at), event);
    else hideTooltip();
  });
  canvas.addEventListener("mouseleave", hideTooltip);
  if (options.click) {
    canvas.classList.add("clickable");
    canvas.addEventListener("click", (event) => {
      const at = cellAt(event);
      if (at) options.click(...at);
    });
  }
  const save = h("button", { type: "button", class: "png", onclick: () => savePng(canvas, options.file) },
    tr("png.button"));
  return h("figure", { class: "map" }, canvas, h("figcaption", {}, save));
}

function showTooltip(lines, event) {
  const tip = document.getElementById("tooltip");
  tip.replaceChildren(...lines.map((line) => h("div", {}, line)));
  tip.hidden = false;
  const x = event.clientX + 14 + tip.offsetWidth > window.innerWidth ? event.clientX - tip.offsetWidth - 8 : event.clientX + 14;
  tip.style.left = Math.max(0, x) + "px";
  tip.style.top = event.clientY + 14 + "px";
}

function hideTooltip() {
  document.getElementById("tooltip").hidden = true;
}

function savePng(canvas, file) {
  // a data: URL made on the page itself; the link stays, with the file's name, to save it again
  const link = document.getElementById("png-link");
  link.href = canvas.toDataURL("image/png");
  link.download = file;
  link.textContent = tr("png.saved", { file });
  link.hidden = false;
  link.click();
}

// ---- sections

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

function attentionTip(layer, head, i, j) {
  const lines = [tr("tip.pair", { i, query: tokenText(i), j, key: tokenText(j) })];
  const weight = j <= i ? ATT.weights[layer][head][i][j] : 0;
  lines.push(tr("tip.weight", { w: fmt(weight) }));
  lines.push(tr("tip.score", { s: fmt(ATT.scores[layer][head][i][j]) }));
  if (j > i) lines.push(tr("tip.masked"));
  return lines;
}

function renderAttention() {
  const layer = state.layer;
  const buttons = range(N_LAYER).map((l) => choice(tr("attention.layer", { l }), l === layer, () => {
    state.layer = l;
    render("attention");
  }));
  const maps = range(N_HEAD).map((head) => heatmap({
    title: tr("attention.map_title", { l: layer, h: head }),
    rows: T, cols: T, rowLabel: axisLabel, colLabel: axisLabel,
    value: (i, j) => (j <= i ? ATT.weights[layer][head][i][j] : null),
    colour: weightColour,
    hover: (i, j) => attentionTip(layer, head, i, j),
    click: (i) => openWalk(layer, head, i),
    file: `attention-layer${layer}-head${head}.png`,
  }));
  return h("div", {}, h("div", { class: "choices" }, buttons), h("p", { class: "muted" }, tr("attention.legend")),
    h("div", { class: "maps" }, maps));
}

function openWalk(layer, head, query) {
  state.walk = { layer, head, query };
  render("steps");
  document.getElementById("steps-section").scrollIntoView();
}

function numberRow(label, cells, rowClass) {
  return h("tr", { class: rowClass || "" }, h("th", { class: "rowhead" }, label),
    cells.map((cell) => (cell === null ? h("td", { class: "masked" }, "−∞") : h("td", {}, cell))));
}

function renderSteps() {
  const { layer, head, query } = state.walk;
  const scores = ATT.scores[layer][head]; // (T, T): q·k/√hs, before the mask
  const weights = ATT.weights[layer][head]; // row i: keys 0..i
  const hs = ATT.head_size;
  const pick = (i) => openWalk(layer, head, i);
  const limit = largest(scores);
  const common = { rows: T, cols: T, rowLabel: axisLabel, colLabel: axisLabel, click: pick, selectedRow: query };
  const maps = [
    heatmap({ ...common, title: tr("steps.map_scores"), value: (i, j) => scores[i][j],
      colour: divergingColour(limit), hover: (i, j) => [tr("tip.score", { s: fmt(scores[i][j]) })],
      file: `scores-layer${layer}-head${head}.png` }),
    heatmap({ ...common, title: tr("steps.map_masked"), value: (i, j) => (j <= i ? scores[i][j] : null),
      colour: divergingColour(limit),
      hover: (i, j) => [j <= i ? tr("tip.score", { s: fmt(scores[i][j]) }) : tr("tip.minus_inf")],
      file: `masked-layer${layer}-head${head}.png` }),
    heatmap({ ...common, title: tr("steps.map_weights"), value: (i, j) => (j <= i ? weights[i][j] : null),
      colour: weightColour, hover: (i, j) => attentionTip(layer, head, i, j),
      file: `weights-layer${layer}-head${head}.png` }),
  ];

  const keys = range(T);
  const row = scores[query];
  const sum = weights[query].reduce((a, b) => a + b, 0);
  const table = h("table", { class: "numbers" },
    h("tr", {}, h("th", { class: "rowhead" }, tr("steps.key")), keys.map((j) => h("th", {}, axisLabel(j)))),
    numberRow(tr("steps.row_dot"), keys.map((j) => fmt(row[j] / ATT.scale))),
    numberRow(tr("steps.row_scaled", { scale: fmt(ATT.scale) }), keys.map((j) => fmt(row[j]))),
    numberRow(tr("steps.row_mask"), keys.map((j) => (j <= query ? "✓" : "✗"))),
    numberRow(tr("steps.row_masked"), keys.map((j) => (j <= query ? fmt(row[j]) : null))),
    numberRow(tr("steps.row_softmax"), keys.map((j) => (j <= query ? fmt(weights[query][j]) : "0"))));

  const dims = range(ATT.value_dims);
  const v = ATT.v[layer][head];
  const sums = dims.map((d) => weights[query].reduce((total, w, j) => total + w * v[j][d], 0));
  const valueTable = h("table", { class: "numbers" },
    h("tr", {}, h("th", { class: "rowhead" }, tr("steps.key")), h("th", {}, tr("steps.weight")),
      dims.map((d) => h("th", {}, "v[" + d + "]"))),
    range(query + 1).map((j) => h("tr", {}, h("th", { class: "rowhead" }, axisLabel(j)),
      h("td", {}, fmt(weights[query][j])), dims.map((d) => h("td", {}, fmt(v[j][d]))))),
    h("tr", { class: "result" }, h("th", { class: "rowhead" }, tr("steps.sum")), h("td", {}, fmt(sum)),
      sums.map((x) => h("td", {}, fmt(x)))),
    h("tr", {}, h("th", { class: "rowhead" }, tr("steps.model_z")), h("td", {}, ""),
      dims.map((d) => h("td", {}, fmt(ATT.z[layer][head][query][d])))));

  return h("div", {},
    h("p", {}, h("strong", {}, tr("steps.which", { l: layer, h: head, i: query, t: tokenText(query) }))),
    h("div", { class: "maps" }, maps),
    h("h3", {}, tr("steps.row_title", { i: query, t: tokenText(query) })),
    h("p", {}, tr("steps.explain_scores", { hs, sqrt: Math.sqrt(hs).toFixed(3), scale: fmt(ATT.scale) })),
    h("p", {}, tr("steps.explain_mask")),
    h("p", {}, tr("steps.explain_softmax", { sum: fmt(sum) })),
    h("div", { class: "scroll" }, table),
    h("h3", {}, tr("steps.sum_title")),
    h("p", {}, tr("steps.explain_sum", { dims: ATT.value_dims, hs })),
    h("div", { class: "scroll" }, valueTable));
}

// the head scores and the logit lens (glassgpt.analysis)
const SCORE_TEXT = {
  previous_token: "heads.previous_token", first_token: "heads.first_token",
  duplicate_token: "heads.duplicate_token", induction: "heads.induction",
};

function renderHeads() {
  const { sequences, length, scores } = DATA.head_scores;
  const maps = Object.entries(scores).map(([name, grid]) => heatmap({
    title: SCORE_TEXT[name] ? tr(SCORE_TEXT[name]) : name,
    rows: N_LAYER, cols: N_HEAD, rowLabel: (l) => tr("gen.layer", { l }), colLabel: (hd) => tr("heads.head", { h: hd }),
    value: (l, hd) => grid[l][hd], colour: weightColour,
    hover: (l, hd) => [tr("attention.map_title", { l, h: hd }), tr("heads.tip", { s: fmt(grid[l][hd]) })],
    click: (l, hd) => {
      state.layer = l;
      render("attention");
      openWalk(l, hd, T - 1);
    },
    file: `heads-${name}.png`,
  }));
  return h("div", {}, h("p", {}, tr("heads.intro", { n: sequences, len: length })),
    h("ul", {}, ["heads.previous_token_is", "heads.first_token_is", "heads.duplicate_token_is", "heads.induction_is"]
      .map((key) => h("li", {}, tr(key)))),
    h("div", { class: "maps" }, maps));
}

function renderLens() {
  // DATA.lens[l][i]: [[id, probability], ...] after block l at position i, likeliest first
  const header = h("tr", {}, h("th", { class: "rowhead" }, tr("lens.position")),
    range(T).map((i) => h("th", {}, axisLabel(i))));
  const rows = DATA.lens.map((positions, l) => h("tr", {}, h("th", { class: "rowhead" }, tr("lens.after", { l })),
    positions.map((top, i) => {
      const [id, p] = top[0];
      const cell = h("td", { style: `background:${weightColour(p)};color:${p > 0.6 ? "#fff" : "inherit"}` },
        idText(id));
      cell.addEventListener("mousemove", (event) => showTooltip(
        [tr("lens.tip", { l, i, t: tokenText(i) })].concat(top.map(([other, q]) => idText(other) + "  " + fmt(q))),
        event));
      cell.addEventListener("mouseleave", hideTooltip);
      return cell;
    })));
  return h("div", {}, h("p", {}, tr("lens.intro")), h("div", { class: "scroll" },
    h("table", { class: "numbers lens" }, header, rows)));
}

function renderGeneration() {
  const G = DATA.generation;
  if (!G.length && DATA.overflow) return h("p", { class: "note" }, tr("gen.overflow"));
  if (!G.length) return h("p", { class: "note" }, tr("gen.no_room", { block: DATA.config.block_size }));
  const k = state.step;
  const step = G[k];
  const p = step.position;
  const n = DATA.tokens.ids.length;
  const select = (index) => { state.step = index; render("generation"); };
  const chips = range(n).map((i) => {
    const chosenBy = i - T; // the step that chose token i (prompt tokens: none)
    const classes = ["chip", i >= T ? "generated clickable" : "", i === p ? "current" : ""].join(" ");
    return h("span", { class: classes, onclick: chosenBy >= 0 ? () => select(chosenBy) : null },
      h("span", { class: "pos" }, String(i)), h("span", { class: "text" }, tokenText(i)));
  });
  const steps = G.map((_, index) => choice(tr("gen.step", { k: index + 1 }), index === k, () => select(index)));
  const heads = [choice(tr("gen.mean"), state.genHead < 0, () => { state.genHead = -1; render("generation"); })]
    .concat(range(N_HEAD).map((hd) => choice(tr("heads.head", { h: hd }), state.genHead === hd, () => {
      state.genHead = hd;
      render("generation");
    })));
  const read = (l, j) => (state.genHead < 0
    ? step.attention[l].reduce((total, row) => total + row[j], 0) / N_HEAD
    : step.attention[l][state.genHead][j]);
  // a row spreads its weight over up to p + 1 keys: colours go up to this map's largest weight, not to 1
  const strongest = Math.max(...range(N_LAYER).flatMap((l) => range(p + 1).map((j) => read(l, j))));
  const map = heatmap({
    title: tr("gen.map_title", { p, t: tokenText(p) }),
    rows: N_LAYER, cols: p + 1, rowLabel: (l) => tr("gen.layer", { l }), colLabel: axisLabel,
    value: read, colour: (w) => weightColour(w / strongest),
    hover: (l, j) => [tr("gen.tip", { l, j, t: tokenText(j), w: fmt(read(l, j)) })],
    file: `generation-step${k + 1}.png`,
  });
  const best = step.candidates[0][1];
  const candidates = h("table", { class: "numbers" },
    h("tr", {}, h("th", {}, tr("gen.rank")), h("th", {}, tr("gen.token")), h("th", {}, "id"),
      h("th", { class: "rowhead" }, tr("gen.probability"))),
    step.candidates.map(([id, prob], rank) => h("tr", {},
      h("td", {}, String(rank + 1)), h("td", {}, idText(id) + (id === step.chosen ? " ✓" : "")),
      h("td", {}, String(id)),
      h("td", { class: "rowhead" }, h("span", { class: "bar", style: `width:${Math.round(120 * prob / best)}px` }),
        fmt(prob)))));
  const hs = ATT.head_size;
  return h("div", {},
    h("div", { class: "chips" }, chips),
    h("div", { class: "choices" }, steps),
    h("p", {}, tr("gen.summary", { p, t: tokenText(p), n: p + 1, chosen: idText(step.chosen) })),
    h("p", { class: "muted" }, tr(step.fed > 1 ? "gen.prefill" : "gen.decode",
      { fed: step.fed, n: p + 1, shape: shapeText([1, N_HEAD, p + 1, hs]) })),
    h("div", { class: "choices" }, heads),
    h("p", { class: "muted" }, tr("gen.colours", { w: fmt(strongest) })),
    h("div", { class: "maps" }, map, h("div", {}, h("h3", {}, tr("gen.candidates")), candidates,
      h("p", { class: "muted" }, tr("gen.greedy")))));
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
renderAll();
document.body.dataset.ready = "yes"; // drawn: browser tests wait for this
