// glassgpt lab, 4 of 6: head scores and the logit lens (glassgpt.analysis, sections 5 and 6), and generation step
// by step through the KV cache (section 7).

const SCORE_TEXT = {
  previous_token: "heads.previous_token", first_token: "heads.first_token",
  duplicate_token: "heads.duplicate_token", induction: "heads.induction",
};

function renderHeads() {
  const { sequences, length, scores } = DATA.head_scores;
  const maps = Object.entries(scores).map(([name, grid]) => heatmap({
    title: SCORE_TEXT[name] ? tr(SCORE_TEXT[name]) : name,
    rows: N_LAYER, cols: N_HEAD, rowLabel: (l) => tr("gen.layer", { l }),
    colLabel: (hd) => tr("heads.head", { h: hd }),
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
  // DATA.lens.top[l][i - first]: [[id, probability], ...] after block l at position i, likeliest first
  const first = DATA.lens.first;
  const positions = range(T - first).map((n) => first + n);
  const header = h("tr", {}, h("th", { class: "rowhead" }, tr("lens.position")),
    positions.map((i) => h("th", {}, axisLabel(i))));
  const rows = DATA.lens.top.map((tops, l) => h("tr", {}, h("th", { class: "rowhead" }, tr("lens.after", { l })),
    tops.map((top, n) => {
      const [id, p] = top[0];
      const dark = p !== null && p > 0.6;
      const cell = h("td", { style: `background:${css(weightColour(p || 0))};color:${dark ? "#fff" : "inherit"}` },
        idText(id));
      cell.addEventListener("mousemove", (event) => showTooltip(
        [tr("lens.tip", { l, i: first + n, t: tokenText(first + n) })]
          .concat(top.map(([other, q]) => idText(other) + "  " + fmt(q))), event));
      cell.addEventListener("mouseleave", hideTooltip);
      return cell;
    })));
  const leftOut = first > 0 ? h("p", { class: "note" }, tr("lens.left_out", { first, last: first - 1 })) : null;
  return h("div", {}, h("p", {}, tr("lens.intro")), leftOut, h("div", { class: "scroll" },
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
  // step.attention: (n_layer, nh, p + 1), 16-bit weights (off by at most 7.7e-6)
  const at = (l, hd, j) => step.attention[(l * N_HEAD + hd) * (p + 1) + j];
  const read = (l, j) => (state.genHead < 0
    ? range(N_HEAD).reduce((total, hd) => total + at(l, hd, j), 0) / N_HEAD
    : at(l, state.genHead, j));
  // a row spreads its weight over up to p + 1 keys: colours go up to this map's largest weight, not to 1
  const strongest = largest(range(N_LAYER).map((l) => range(p + 1).map((j) => read(l, j))));
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
