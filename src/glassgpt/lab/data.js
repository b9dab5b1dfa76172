// glassgpt lab, 1 of 6: the data, words and numbers. The page's data is in two elements written by
// glassgpt/lab/page.py: #lab-data (JSON) and #lab-arrays (the typed arrays' bytes, gzip, base64: packing.py),
// unpacked here with the browser's own DecompressionStream. Everything is drawn offline: no request leaves the page.
// Every sentence comes from DATA.texts, each in English and Chinese (glassgpt/lab/texts.py).
"use strict";

let DATA, ATT, N_LAYER, N_HEAD, T; // set by loadData(), before anything is drawn
const STARTERS = []; // what each part of the page does once the data is there (circuits.js adds to it)
const state = {
  lang: "en",
  layer: 0, // the layer whose heads the attention section shows
  walk: { layer: 0, head: 0, query: 0 }, // the head and query row of the step-by-step view
  step: 0, // the generation step shown
  genHead: -1, // -1: the mean over heads
};
const MASKED = [217, 217, 217];
const FONT_FAMILY = "system-ui, -apple-system, 'Segoe UI', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif";
const TITLE_FONT = "bold 12px " + FONT_FAMILY;

// ---- unpacking: {"$array": i} -> a typed array with .shape (quantised codes times their scale; NaN: not finite)

const TYPES = { f32: Float32Array, u8: Uint8Array, u16: Uint16Array, i32: Int32Array };
const NOT_FINITE = { u8: 255, u16: 65535 };

async function gunzip(base64) {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).arrayBuffer();
}

function typedArray(buffer, d) {
  const count = d.shape.reduce((a, b) => a * b, 1);
  const codes = new TYPES[d.dtype](buffer, d.offset, count);
  let values = codes;
  if (d.dtype in NOT_FINITE) {
    values = new Float32Array(count);
    for (let n = 0; n < count; n++) values[n] = codes[n] === NOT_FINITE[d.dtype] ? NaN : codes[n] * d.scale;
  }
  values.shape = d.shape;
  return values;
}

function unpacked(value, arrays) {
  if (Array.isArray(value)) return value.map((item) => unpacked(item, arrays));
  if (value === null || typeof value !== "object") return value;
  if ("$array" in value) return arrays[value.$array];
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unpacked(item, arrays)]));
}

async function loadData() {
  const data = JSON.parse(document.getElementById("lab-data").textContent);
  const buffer = await gunzip(document.getElementById("lab-arrays").textContent.trim());
  const arrays = data.arrays.map((d) => typedArray(buffer, d));
  delete data.arrays;
  DATA = unpacked(data, arrays);
  ATT = DATA.attention;
  N_LAYER = DATA.config.n_layer;
  N_HEAD = DATA.config.n_head;
  T = DATA.tokens.prompt_length;
  state.lang = DATA.lang;
  state.layer = ATT.layers[0];
  state.walk = { layer: ATT.detail[0][0], head: ATT.detail[0][1], query: T - 1 };
}

// ---- the attention, read from the arrays

function overviewWeight(layer, head, i, j) {
  // every head of the overview layers: the 8-bit weight of key j for query i (j <= i), or undefined
  return overviewReader(layer, head)(i, j);
}

function overviewReader(layer, head) {
  // (i, j) -> that weight, the head's place in the array found once (a heatmap asks for every cell)
  const l = ATT.layers.indexOf(layer);
  if (l < 0) return () => undefined;
  const base = (l * N_HEAD + head) * ((T * (T + 1)) / 2);
  return (i, j) => ATT.weights[base + (i * (i + 1)) / 2 + j];
}

const HEADS = new Map(); // "layer,head" -> {scores, weights} of a head shown number by number, made once

function detail(layer, head) {
  // a head whose q and k the page has: its raw scores q·k/√hs (T x T, float64) and its weights (softmax of each
  // row over keys 0..i), computed here; null for a head left out
  const key = layer + "," + head;
  if (HEADS.has(key)) return HEADS.get(key);
  const n = ATT.detail.findIndex(([l, hd]) => l === layer && hd === head);
  if (n < 0) return null;
  const hs = ATT.head_size;
  const q = ATT.q.subarray(n * T * hs, (n + 1) * T * hs);
  const k = ATT.k.subarray(n * T * hs, (n + 1) * T * hs);
  const scores = new Float64Array(T * T);
  const weights = new Float64Array(T * T);
  for (let i = 0; i < T; i++) {
    for (let j = 0; j < T; j++) {
      let dot = 0;
      for (let d = 0; d < hs; d++) dot += q[i * hs + d] * k[j * hs + d];
      scores[i * T + j] = dot * ATT.scale;
    }
    let top = -Infinity;
    for (let j = 0; j <= i; j++) top = Math.max(top, scores[i * T + j]);
    let total = 0;
    for (let j = 0; j <= i; j++) total += (weights[i * T + j] = Math.exp(scores[i * T + j] - top));
    for (let j = 0; j <= i; j++) weights[i * T + j] /= total;
  }
  const v = (j, d) => ATT.v[(n * T + j) * ATT.value_dims + d];
  const z = (i, d) => ATT.z[(n * T + i) * ATT.value_dims + d];
  const head_ = { n, scores, weights, score: (i, j) => scores[i * T + j], weight: (i, j) => weights[i * T + j], v, z };
  HEADS.set(key, head_);
  return head_;
}

function weightReader(layer, head) {
  // (i, j) -> what the heatmaps colour: the exact weight of a head shown number by number, else the 8-bit one;
  // null above the diagonal (masked)
  const full = detail(layer, head);
  const read = full ? full.weight : overviewReader(layer, head);
  return (i, j) => (j > i ? null : read(i, j));
}

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

function fmt2(x) {
  // an 8-bit weight (off by at most 0.002): two decimals
  if (x === null || x === undefined || !Number.isFinite(x)) return "—";
  return "≈" + x.toFixed(2);
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
