// glassgpt lab, 5 of 6: sections 8 and 9, how the circuit formed (a run's timeline) and what breaks without each
// head. Data: DATA.circuits (glassgpt/lab/circuits.py). Once the data is there it adds its two sections to the page
// and to SECTIONS (main.js), so the language switch redraws them with the rest.

let CIRCUITS; // DATA.circuits, once the data is there

function circuitText(id) {
  const texts = CIRCUITS.id_texts;
  return texts ? visible(texts[String(id)]) : "#" + id;
}

// ---- How it formed

// one small line chart: the run's steps on x, a shaded window, a marker at the slider's step
function lineChart(title, series, low, high) {
  const F = CIRCUITS.formed;
  const width = 560, height = 130, left = 44, right = 8, top = 20, bottom = 18;
  const canvas = h("canvas", { class: "heatmap chart" });
  const ratio = window.devicePixelRatio || 1;
  canvas.width = width * ratio;
  canvas.height = height * ratio;
  canvas.style.width = width + "px";
  canvas.style.height = height + "px";
  const ctx = canvas.getContext("2d");
  ctx.scale(ratio, ratio);
  const first = F.steps[0], last = F.steps[F.steps.length - 1];
  const x = (step) => left + ((step - first) / Math.max(1, last - first)) * (width - left - right);
  const y = (v) => top + (1 - (v - low) / Math.max(1e-9, high - low)) * (height - top - bottom);
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, width, height);
  if (F.window) {
    ctx.fillStyle = "#fdd49e";
    ctx.fillRect(x(F.window[0]), top, x(F.window[1]) - x(F.window[0]), height - top - bottom);
  }
  ctx.strokeStyle = "#8a939c";
  ctx.strokeRect(left, top, width - left - right, height - top - bottom);
  ctx.fillStyle = "#1d232b";
  ctx.font = TITLE_FONT;
  ctx.textBaseline = "middle";
  ctx.fillText(title, left, top / 2);
  ctx.font = "10px " + FONT_FAMILY;
  ctx.textAlign = "right";
  ctx.fillText(fmt(high).replace(/0+$/, "").replace(/\.$/, ""), left - 4, top + 4);
  ctx.fillText(fmt(low).replace(/0+$/, "").replace(/\.$/, ""), left - 4, height - bottom - 4);
  ctx.textAlign = "center";
  ctx.fillText(String(first), x(first), height - bottom / 2);
  ctx.fillText(String(last), x(last) - 10, height - bottom / 2);
  for (const { values, colour } of series) {
    ctx.strokeStyle = colour;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    let drawing = false;
    values.forEach((v, i) => {
      if (v === null || Number.isNaN(v)) { drawing = false; return; }
      if (drawing) ctx.lineTo(x(F.steps[i]), y(v));
      else ctx.moveTo(x(F.steps[i]), y(v));
      drawing = true;
    });
    ctx.stroke();
  }
  ctx.strokeStyle = "#e6550d";
  ctx.lineWidth = 1.5;
  const marker = x(F.steps[state.formed.point]);
  ctx.beginPath();
  ctx.moveTo(marker, top);
  ctx.lineTo(marker, height - bottom);
  ctx.stroke();
  return canvas;
}

function extent(values) {
  const finite = values.filter((v) => v !== null && !Number.isNaN(v));
  return [Math.min(0, ...finite), Math.max(...finite)];
}

function formedCharts() {
  const F = CIRCUITS.formed;
  const loss = F.train_loss.map((v) => (v === null ? NaN : v));
  return h("div", { class: "charts" },
    lineChart(tr("formed.train_loss"), [{ values: loss, colour: "#555555" }], ...extent(loss)),
    lineChart(tr(F.measure === "copy_loss" ? "formed.copy_loss" : "formed.icl_score"),
      [{ values: F.in_context, colour: "#d95f02" }], ...extent(F.in_context)),
    lineChart(tr("formed.scores"), [{ values: F.induction, colour: "#1b9e77" },
      { values: F.previous_token, colour: "#7570b3" }], 0, 1));
}

function probeMap() {
  const F = CIRCUITS.formed;
  const { point, layer, head } = state.formed;
  const weights = F.pattern[point][layer][head]; // row i: hundredths over keys 0..i
  const texts = F.probe.texts;
  const label = (i) => i + " " + (texts ? visible(texts[i]) : "#" + F.probe.ids[i]);
  return heatmap({
    title: tr("formed.map_title", { l: layer, h: head, step: F.steps[point] }),
    rows: F.probe.ids.length, cols: F.probe.ids.length, rowLabel: label, colLabel: label,
    value: (i, j) => (j <= i ? weights[i][j] / 100 : null), colour: weightColour,
    hover: (i, j) => [tr("tip.pair", { i, query: label(i), j, key: label(j) }),
      tr("formed.tip", { w: j <= i ? (weights[i][j] / 100).toFixed(2) : "0.00" })],
    file: `formed-layer${layer}-head${head}-step${F.steps[point]}.png`,
  });
}

function redrawFormed() {
  const F = CIRCUITS.formed;
  document.getElementById("formed-step").textContent = tr("formed.step", { step: F.steps[state.formed.point] });
  document.getElementById("formed-charts").replaceChildren(formedCharts());
  document.getElementById("formed-map").replaceChildren(probeMap());
}

function renderFormed() {
  const F = CIRCUITS.formed;
  if (!F) return h("p", { class: "note" }, tr("formed.none"));
  const verdict = !F.window ? tr("formed.no_window")
    : tr("formed.window", { start: F.window[0], end: F.window[1] }) + " " +
      tr(F.improved ? "formed.improved" : "formed.not_improved");
  const heads = [];
  for (let l = 0; l < N_LAYER; l++) {
    for (let hd = 0; hd < N_HEAD; hd++) {
      heads.push(choice(tr("formed.head", { l, h: hd }), l === state.formed.layer && hd === state.formed.head, () => {
        Object.assign(state.formed, { layer: l, head: hd });
        render("formed");
      }));
    }
  }
  const slider = h("input", { type: "range", id: "formed-slider", min: "0", max: String(F.steps.length - 1),
    step: "1", value: String(state.formed.point) });
  slider.addEventListener("input", () => {
    state.formed.point = Number(slider.value);
    redrawFormed();
  });
  const node = h("div", {}, h("p", {}, verdict), h("div", { id: "formed-charts" }),
    h("div", { class: "choices" }, heads),
    h("div", { class: "choices" }, slider, " ", h("span", { id: "formed-step", class: "mono" })),
    h("div", { id: "formed-map", class: "maps" }));
  // drawn once the section is in the page (redrawFormed finds its parts by id)
  queueMicrotask(redrawFormed);
  return node;
}

// ---- Ablate

function renderAblate() {
  const A = CIRCUITS.ablation;
  if (!A) {
    return h("p", { class: "note" }, CIRCUITS.ablation_left_out === "heads"
      ? tr("ablate.left_out_heads", { n: CIRCUITS.max_heads }) : tr("ablate.left_out_short"));
  }
  const signed = (d) => (d >= 0 ? "+" : "") + fmt(d);
  const map = heatmap({
    title: tr("ablate.map_title"), rows: N_LAYER, cols: N_HEAD,
    rowLabel: (l) => tr("attention.layer", { l }), colLabel: (hd) => tr("heads.head", { h: hd }),
    value: (l, hd) => A.change[l][hd], colour: divergingColour(largest(A.change)),
    hover: (l, hd) => [tr("ablate.tip", { l, h: hd, d: signed(A.change[l][hd]) })],
    click: (l, hd) => { state.ablated = [l, hd]; render("ablate"); },
    file: "ablation.png",
  });
  const parts = [h("p", { class: "muted" }, tr("ablate.loss", { loss: fmt(A.loss) })),
    h("div", { class: "maps" }, map)];
  if (state.ablated) {
    const [l, hd] = state.ablated;
    const after = A.top_after[l][hd], probAfter = A.prob_after[l][hd];
    const rows = A.top_before.map((before, i) => {
      const changed = before !== after[i];
      return h("tr", changed ? { class: "changed", style: "background: #fff1e8" } : {},
        h("td", {}, String(i)), h("td", {}, tokenText(i)),
        h("td", {}, tokenText(i + 1)), h("td", {}, `${circuitText(before)} (${A.prob_before[i].toFixed(2)})`),
        h("td", {}, `${changed ? "→ " : ""}${circuitText(after[i])} (${probAfter[i].toFixed(2)})`));
    });
    parts.push(h("p", { id: "ablate-chosen" }, tr("ablate.chosen", { l, h: hd, d: signed(A.change[l][hd]) })),
      h("div", { class: "scroll" }, h("table", { class: "numbers", id: "ablate-table" },
        h("tr", {}, [tr("ablate.position"), tr("ablate.token"), tr("ablate.next"), tr("ablate.with"),
          tr("ablate.without")].map((text) => h("th", {}, text))), rows)));
  }
  return h("div", {}, parts);
}

// ---- into the page, once the data is there

STARTERS.push(() => {
  CIRCUITS = DATA.circuits;
  state.formed = CIRCUITS.formed ? { point: CIRCUITS.formed.steps.length - 1, ...CIRCUITS.formed.head } : null;
  state.ablated = null; // [layer, head] clicked in the ablation heatmap
  const added = [["formed", "formed.title", "formed.intro"], ["ablate", "ablate.title", "ablate.intro"]];
  for (const [id, title, intro] of added) {
    document.querySelector("main").append(h("section", { id: id + "-section" },
      h("h2", { "data-t": title }), h("p", { "data-t": intro }), h("div", { id })));
  }
  SECTIONS.formed = renderFormed;
  SECTIONS.ablate = renderAblate;
});
