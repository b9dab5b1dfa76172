// glassgpt lab, 3 of 6: attention, every layer and head (section 3), and one head step by step (section 4).
// A head shown number by number has its raw scores and weights computed here from its q and k (data.js: detail);
// the other heads are drawn from their 8-bit weights, and the page says how to see them in full.

function command(layer, head) {
  return "glassgpt lab --layer " + layer + (head === undefined ? "" : " --head " + head);
}

function attentionTip(layer, head, i, j) {
  const lines = [tr("tip.pair", { i, query: tokenText(i), j, key: tokenText(j) })];
  const full = detail(layer, head);
  if (full) {
    lines.push(tr("tip.weight", { w: fmt(j <= i ? full.weight(i, j) : 0) }));
    lines.push(tr("tip.score", { s: fmt(full.score(i, j)) }));
  } else {
    lines.push(tr("tip.weight", { w: j <= i ? fmt2(overviewWeight(layer, head, i, j)) : fmt(0) }));
    lines.push(tr("tip.approx", { command: command(layer, head) }));
  }
  if (j > i) lines.push(tr("tip.masked"));
  return lines;
}

function coverage() {
  // what this page holds in full, and how to see the rest
  const notes = [];
  if (ATT.layers.length < N_LAYER) {
    notes.push(tr("attention.left_out_layers", { layers: ATT.layers.join(", "), command: command("L") }));
  }
  if (ATT.detail.length < N_LAYER * N_HEAD) {
    const heads = ATT.detail.map(([l, hd]) => l + "." + hd).join(", ");
    notes.push(tr("attention.coverage", { heads, command: command("L", "H") }));
  }
  return notes.map((note) => h("p", { class: "note" }, note));
}

function renderAttention() {
  const layer = state.layer;
  const buttons = range(N_LAYER).map((l) => choice(tr("attention.layer", { l }), l === layer, () => {
    state.layer = l;
    render("attention");
  }));
  if (!ATT.layers.includes(layer)) {
    return h("div", {}, h("div", { class: "choices" }, buttons), coverage(),
      h("p", { class: "note" }, tr("attention.layer_left_out", { l: layer, command: command(layer) })));
  }
  const maps = range(N_HEAD).map((head) => heatmap({
    title: tr("attention.map_title", { l: layer, h: head }),
    rows: T, cols: T, rowLabel: axisLabel, colLabel: axisLabel,
    value: weightReader(layer, head),
    colour: weightColour,
    hover: (i, j) => attentionTip(layer, head, i, j),
    click: (i) => openWalk(layer, head, i),
    file: `attention-layer${layer}-head${head}.png`,
  }));
  return h("div", {}, h("div", { class: "choices" }, buttons), coverage(),
    h("p", { class: "muted" }, tr("attention.legend")), h("div", { class: "maps" }, maps));
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

function headChoices() {
  // the heads this page holds in full
  const { layer, head, query } = state.walk;
  return h("div", { class: "choices" }, h("span", { class: "muted" }, tr("steps.heads")),
    ATT.detail.map(([l, hd]) => choice(l + "." + hd, l === layer && hd === head, () => openWalk(l, hd, query))));
}

function renderSteps() {
  const { layer, head, query } = state.walk;
  const full = detail(layer, head);
  if (!full) {
    return h("div", {}, headChoices(),
      h("p", { class: "note" }, tr("steps.left_out", { l: layer, h: head, command: command(layer, head) })));
  }
  const score = full.score; // (i, j): q·k/√hs, before the mask, computed here from q and k
  const weight = full.weight; // (i, j): softmax of row i over keys 0..i
  const hs = ATT.head_size;
  const pick = (i) => openWalk(layer, head, i);
  const limit = largest([Array.from(full.scores)]);
  const common = { rows: T, cols: T, rowLabel: axisLabel, colLabel: axisLabel, click: pick, selectedRow: query };
  const maps = [
    heatmap({ ...common, title: tr("steps.map_scores"), value: score,
      colour: divergingColour(limit), hover: (i, j) => [tr("tip.score", { s: fmt(score(i, j)) })],
      file: `scores-layer${layer}-head${head}.png` }),
    heatmap({ ...common, title: tr("steps.map_masked"), value: (i, j) => (j <= i ? score(i, j) : null),
      colour: divergingColour(limit),
      hover: (i, j) => [j <= i ? tr("tip.score", { s: fmt(score(i, j)) }) : tr("tip.minus_inf")],
      file: `masked-layer${layer}-head${head}.png` }),
    heatmap({ ...common, title: tr("steps.map_weights"), value: (i, j) => (j <= i ? weight(i, j) : null),
      colour: weightColour, hover: (i, j) => attentionTip(layer, head, i, j),
      file: `weights-layer${layer}-head${head}.png` }),
  ];

  const keys = range(T);
  const row = keys.map((j) => weight(query, j));
  const sum = keys.slice(0, query + 1).reduce((total, j) => total + row[j], 0);
  const table = h("table", { class: "numbers" },
    h("tr", {}, h("th", { class: "rowhead" }, tr("steps.key")), keys.map((j) => h("th", {}, axisLabel(j)))),
    numberRow(tr("steps.row_dot"), keys.map((j) => fmt(score(query, j) / ATT.scale))),
    numberRow(tr("steps.row_scaled", { scale: fmt(ATT.scale) }), keys.map((j) => fmt(score(query, j)))),
    numberRow(tr("steps.row_mask"), keys.map((j) => (j <= query ? "✓" : "✗"))),
    numberRow(tr("steps.row_masked"), keys.map((j) => (j <= query ? fmt(score(query, j)) : null))),
    numberRow(tr("steps.row_softmax"), keys.map((j) => (j <= query ? fmt(row[j]) : "0"))));

  const dims = range(ATT.value_dims);
  const sums = dims.map((d) => range(query + 1).reduce((total, j) => total + row[j] * full.v(j, d), 0));
  const valueTable = h("table", { class: "numbers" },
    h("tr", {}, h("th", { class: "rowhead" }, tr("steps.key")), h("th", {}, tr("steps.weight")),
      dims.map((d) => h("th", {}, "v[" + d + "]"))),
    range(query + 1).map((j) => h("tr", {}, h("th", { class: "rowhead" }, axisLabel(j)),
      h("td", {}, fmt(row[j])), dims.map((d) => h("td", {}, fmt(full.v(j, d)))))),
    h("tr", { class: "result" }, h("th", { class: "rowhead" }, tr("steps.sum")), h("td", {}, fmt(sum)),
      sums.map((x) => h("td", {}, fmt(x)))),
    h("tr", {}, h("th", { class: "rowhead" }, tr("steps.model_z")), h("td", {}, ""),
      dims.map((d) => h("td", {}, fmt(full.z(query, d))))));

  return h("div", {}, headChoices(),
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
