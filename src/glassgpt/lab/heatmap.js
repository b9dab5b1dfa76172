// glassgpt lab, 2 of 6: the DOM, colours, heatmaps on canvas (labels drawn into the canvas, so a saved PNG
// carries them), the tooltip and the PNG link.

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

// colours are [r, g, b]; css() makes one a CSS colour

function css(rgb) {
  return `rgb(${rgb[0]},${rgb[1]},${rgb[2]})`;
}

function weightColour(w) {
  // 0 white .. 1 deep blue
  const t = Math.max(0, Math.min(1, w));
  return [Math.round(255 - 247 * t), Math.round(255 - 207 * t), Math.round(255 - 148 * t)];
}

function divergingColour(limit) {
  // negative blue, 0 white, positive red; `limit` maps to the strongest colour
  return (x) => {
    const t = limit > 0 ? Math.max(-1, Math.min(1, x / limit)) : 0;
    if (t >= 0) return [255, Math.round(255 - 190 * t), Math.round(255 - 200 * t)];
    return [Math.round(255 + 200 * t), Math.round(255 + 140 * t), 255];
  };
}

function largest(matrix) {
  let top = 0;
  for (const x of matrix.flat()) if (Number.isFinite(x)) top = Math.max(top, Math.abs(x));
  return top;
}

// options: title, rows, cols, rowLabel(i), colLabel(j), value(i, j) (null: masked; NaN: not finite, also grey),
// colour(value) -> [r, g, b], hover(i, j) -> lines, click(i, j), file (PNG name), selectedRow
function heatmap(options) {
  const { rows, cols } = options;
  const n = Math.max(rows, cols);
  const cell = Math.max(n > 64 ? 2 : 8, Math.min(26, Math.floor((n > 64 ? 640 : 320) / n)));
  const labelled = cell >= 6; // below that a label would be taller than its row: none are drawn
  const labelFont = Math.max(8, Math.min(12, cell - 1)) + "px " + FONT_FAMILY;
  const measure = document.createElement("canvas").getContext("2d");
  measure.font = labelFont;
  const widest = (labels) => Math.ceil(Math.max(0, ...labels.map((s) => measure.measureText(s).width)));
  const rowLabels = labelled ? range(rows).map(options.rowLabel) : [];
  const colLabels = labelled ? range(cols).map(options.colLabel) : [];
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
  // one pixel per cell, then scaled up without smoothing: fast for a thousand rows
  const cells = new ImageData(cols, rows);
  const pixels = cells.data;
  for (let i = 0, at = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++, at += 4) {
      const value = options.value(i, j);
      const rgb = value === null || value === undefined || Number.isNaN(value) ? MASKED : options.colour(value);
      pixels[at] = rgb[0];
      pixels[at + 1] = rgb[1];
      pixels[at + 2] = rgb[2];
      pixels[at + 3] = 255;
    }
  }
  const small = document.createElement("canvas");
  small.width = cols;
  small.height = rows;
  small.getContext("2d").putImageData(cells, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(small, left, top, cols * cell, rows * cell);
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
  const right = event.clientX + 14 + tip.offsetWidth > window.innerWidth;
  tip.style.left = Math.max(0, right ? event.clientX - tip.offsetWidth - 8 : event.clientX + 14) + "px";
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
