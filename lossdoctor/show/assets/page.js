"use strict";
// lossdoctor's report page: sorting, filtering, a panel per run and an overlay of chosen runs.
// Every text from the data is set with textContent or as an SVG text node: nothing from a log is
// ever parsed as HTML.
(function () {
  var runs = JSON.parse(document.getElementById("runs-data").textContent);
  var L = JSON.parse(document.getElementById("labels-data").textContent);  // the words, in the report's language
  function say(key, values) {
    return String(L[key]).replace(/\{(\w+)\}/g, function (m, name) {
      return values && Object.prototype.hasOwnProperty.call(values, name) ? String(values[name]) : m;
    });
  }
  var tbody = document.querySelector("#runs tbody");
  var rows = Array.prototype.slice.call(tbody.rows);
  var codeFilter = document.getElementById("code-filter");
  var nameFilter = document.getElementById("name-filter");
  var overlayBtn = document.getElementById("overlay-btn");
  var panel = document.getElementById("panel");
  var overlay = document.getElementById("overlay");
  var shown = document.getElementById("shown");
  var SVG = "http://www.w3.org/2000/svg";
  var TRAIN = "#0072B2", VAL = "#D55E00", MARK = "#009E73", WINDOW = "#999999";
  var PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999"];

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function svg(tag, attrs, text) {
    var e = document.createElementNS(SVG, tag);
    for (var k in attrs) if (Object.prototype.hasOwnProperty.call(attrs, k)) e.setAttribute(k, String(attrs[k]));
    if (text !== undefined) e.textContent = String(text);
    return e;
  }
  function fmt(v) {
    if (v === null || v === undefined || !isFinite(v)) return "";
    var a = Math.abs(v);
    return a !== 0 && (a >= 1e4 || a < 1e-3) ? v.toExponential(2) : String(+v.toPrecision(4));
  }

  // -- filtering -----------------------------------------------------------------------------
  function applyFilters() {
    var code = codeFilter.value, text = nameFilter.value.trim().toLowerCase(), n = 0;
    rows.forEach(function (tr) {
      var ok = (!code || tr.dataset.code === code) && (!text || tr.dataset.run.toLowerCase().indexOf(text) >= 0);
      tr.hidden = !ok;
      if (ok) n += 1;
    });
    shown.textContent = say("shown", { n: n, total: rows.length });
    document.querySelectorAll("button.count").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.code === code));
    });
  }
  codeFilter.addEventListener("change", applyFilters);
  nameFilter.addEventListener("input", applyFilters);
  document.querySelectorAll("button.count").forEach(function (b) {
    b.addEventListener("click", function () {
      codeFilter.value = codeFilter.value === b.dataset.code ? "" : b.dataset.code;
      applyFilters();
    });
  });

  // -- sorting -------------------------------------------------------------------------------
  var heads = Array.prototype.slice.call(document.querySelectorAll("#runs thead th[data-col]"));
  heads.forEach(function (th) {
    th.querySelector("button").addEventListener("click", function () {
      var col = th.dataset.col, numeric = th.dataset.num === "1";
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      var key = function (tr) {
        var v = tr.getAttribute("data-k" + col);
        if (v === null || v === "") return null;
        return numeric ? parseFloat(v) : v.toLowerCase();
      };
      var keyed = rows.map(function (tr) { return [key(tr), +tr.dataset.i, tr]; });
      keyed.sort(function (a, b) {
        var x = a[0], y = b[0];
        if (x === null || y === null) return (x === null) - (y === null) || a[1] - b[1];
        var c = numeric ? x - y : (x < y ? -1 : x > y ? 1 : 0);
        return c * dir || a[1] - b[1];
      });
      var sorted = keyed.map(function (k) { return k[2]; });
      var frag = document.createDocumentFragment();
      sorted.forEach(function (tr) { frag.appendChild(tr); });
      tbody.appendChild(frag);
    });
  });

  // -- charts --------------------------------------------------------------------------------
  function niceTicks(lo, hi, n) {
    var span = hi - lo, step = Math.pow(10, Math.floor(Math.log10(span / n)));
    [1, 2, 2.5, 5, 10].some(function (m) { if (span / (step * m) <= n) { step *= m; return true; } return false; });
    var out = [];
    for (var t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(+t.toPrecision(12));
    return out;
  }
  // series: [{x:[], y:[], colour, dash, width, label}]; extra: {window, best, band, phases, unit}
  function chart(series, extra) {
    var W = 900, H = 340, Lm = 64, R = 16, T = 18, B = 38;
    var xs = [], ys = [];
    series.forEach(function (s) {
      s.x.forEach(function (x, i) { if (x !== null && s.y[i] !== null) { xs.push(x); ys.push(s.y[i]); } });
    });
    if (extra.band) extra.band.forEach(function (p) { xs.push(p[0]); ys.push(p[2]); });
    if (!xs.length) return el("p", L.no_finite);
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
    var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var log = y0 > 0 && y1 / y0 > 100;
    var fy = log ? Math.log10 : function (v) { return v; };
    var a = fy(y0), b = fy(y1);
    if (b - a < 1e-12) { a -= 0.5; b += 0.5; }
    var pad = (b - a) * 0.06; a -= pad; b += pad;
    if (x1 - x0 < 1e-12) { x0 -= 1; x1 += 1; }
    var X = function (v) { return Lm + (v - x0) / (x1 - x0) * (W - Lm - R); };
    var Y = function (v) { return T + (b - fy(v)) / (b - a) * (H - T - B); };
    var root = svg("svg", { viewBox: "0 0 " + W + " " + H, class: "chart", role: "img" });
    root.appendChild(svg("title", {}, extra.label || L.loss));
    if (extra.window) {
      root.appendChild(svg("rect", { x: X(extra.window[0]), y: T, width: Math.max(1, X(extra.window[1]) - X(extra.window[0])),
        height: H - T - B, fill: WINDOW, "fill-opacity": 0.15 }));
    }
    (extra.phases || []).forEach(function (p) {
      if (extra.phases.length < 2) return;
      var r = svg("rect", { x: X(p[0]), y: T, width: Math.max(1, X(p[1]) - X(p[0])), height: 7, fill: p[3], "fill-opacity": 0.6 });
      r.appendChild(svg("title", {}, p[2] + ": " + fmt(p[0]) + "-" + fmt(p[1])));
      root.appendChild(r);
    });
    var ticksY = log ? niceTicks(a, b, 5).map(function (t) { return Math.pow(10, t); }) : niceTicks(a, b, 5);
    ticksY.forEach(function (t) {
      if (fy(t) < a || fy(t) > b) return;
      root.appendChild(svg("line", { x1: Lm, x2: W - R, y1: Y(t), y2: Y(t), class: "grid" }));
      root.appendChild(svg("text", { x: Lm - 6, y: Y(t) + 4, "text-anchor": "end" }, fmt(t)));
    });
    niceTicks(x0, x1, 8).forEach(function (t) {
      root.appendChild(svg("line", { x1: X(t), x2: X(t), y1: H - B, y2: H - B + 4, class: "axis" }));
      root.appendChild(svg("text", { x: X(t), y: H - B + 16, "text-anchor": "middle" }, fmt(t)));
    });
    root.appendChild(svg("line", { x1: Lm, x2: W - R, y1: H - B, y2: H - B, class: "axis" }));
    root.appendChild(svg("line", { x1: Lm, x2: Lm, y1: T, y2: H - B, class: "axis" }));
    root.appendChild(svg("text", { x: (Lm + W - R) / 2, y: H - 4, "text-anchor": "middle" }, extra.unitWord));
    root.appendChild(svg("text", { x: 12, y: T + (H - T - B) / 2, transform: "rotate(-90 12 " + (T + (H - T - B) / 2) + ")",
      "text-anchor": "middle" }, log ? L.loss_log : L.loss));
    if (extra.band) {
      var up = extra.band.map(function (p) { return X(p[0]) + "," + Y(p[3]); });
      var down = extra.band.slice().reverse().map(function (p) { return X(p[0]) + "," + Y(p[2]); });
      root.appendChild(svg("polygon", { points: up.concat(down).join(" "), fill: extra.bandColour, "fill-opacity": 0.15 }));
      root.appendChild(svg("polyline", { points: extra.band.map(function (p) { return X(p[0]) + "," + Y(p[1]); }).join(" "),
        fill: "none", stroke: extra.bandColour, "stroke-width": 1.4, "stroke-dasharray": "2 3" }));
    }
    series.forEach(function (s) {
      var parts = [[]];
      s.x.forEach(function (x, i) {
        if (x === null || s.y[i] === null) { if (parts[parts.length - 1].length) parts.push([]); return; }
        parts[parts.length - 1].push(X(x).toFixed(1) + "," + Y(s.y[i]).toFixed(1));
      });
      parts.forEach(function (p) {
        if (!p.length) return;
        var line = svg(p.length > 1 ? "polyline" : "circle", p.length > 1
          ? { points: p.join(" "), fill: "none", stroke: s.colour, "stroke-width": s.width || 1.8, "stroke-dasharray": s.dash || "none" }
          : { cx: p[0].split(",")[0], cy: p[0].split(",")[1], r: 2.5, fill: s.colour });
        line.appendChild(svg("title", {}, s.label));
        root.appendChild(line);
      });
    });
    if (extra.best && extra.best[0] !== null && extra.best[1] !== null) {
      var bx = X(extra.best[0]), by = Y(extra.best[1]);
      root.appendChild(svg("line", { x1: bx, x2: bx, y1: T, y2: H - B, stroke: MARK, "stroke-dasharray": "2 3", "stroke-width": 1.5 }));
      root.appendChild(svg("circle", { cx: bx, cy: by, r: 5.5, fill: MARK, class: "best" }));
    }
    return root;
  }
  function legend(items) {
    var ul = el("ul", null, "legend");
    items.forEach(function (it) {
      var li = el("li", it.label);
      li.style.setProperty("--c", it.colour);
      if (it.dash) li.style.setProperty("--dash", "dashed");
      ul.appendChild(li);
    });
    return ul;
  }
  function curve(c, colour, label, width) {
    return { x: c.x, y: c.y, colour: colour, label: label, width: width };
  }
  function fitLine(points, colour, label) {
    return { x: points.map(function (p) { return p[0]; }), y: points.map(function (p) { return p[1]; }),
      colour: colour, dash: "6 4", width: 2.2, label: label };
  }

  // -- the panel of one run ------------------------------------------------------------------
  function section(title, items, ordered) {
    var frag = document.createDocumentFragment();
    frag.appendChild(el("h3", title));
    var list = el(ordered ? "ol" : "ul");
    items.forEach(function (t) { list.appendChild(el("li", t)); });
    frag.appendChild(list);
    return frag;
  }
  function openRun(i, focus) {
    var r = runs[i];
    if (!r) return;
    rows.forEach(function (tr) { tr.classList.toggle("current", +tr.dataset.i === i); });
    panel.textContent = "";
    panel.hidden = false;
    panel.style.setProperty("--c", r.colour || "#999999");
    var close = el("button", L.close, "close");
    close.type = "button";
    close.addEventListener("click", function () { closePanel(i); });
    panel.appendChild(close);
    var h = el("h2");
    h.tabIndex = -1;
    h.appendChild(el("span", r.error ? L.unreadable : r.code, "code"));
    h.lastChild.style.setProperty("--c", r.colour || "#999999");
    h.appendChild(document.createTextNode(r.error ? r.run : r.title));
    panel.appendChild(h);
    if (r.error) {
      panel.appendChild(el("p", r.source, "context"));
      panel.appendChild(el("p", r.error, "err"));
    } else {
      panel.appendChild(el("p", r.context, "context"));
      panel.appendChild(el("p", r.summary));
      panel.appendChild(el("p", r.confidence_text, "confidence"));
      var series = [], items = [];
      if (r.train) {
        series.push(curve(r.train, TRAIN, say("train", { key: r.train.key })));
        items.push({ label: say("train", { key: r.train.key }), colour: TRAIN });
      }
      if (r.train_fit) series.push(fitLine(r.train_fit, TRAIN, say("trend", { key: r.train.key })));
      if (r.val) {
        series.push(curve(r.val, VAL, say("validation", { key: r.val.key })));
        items.push({ label: say("validation", { key: r.val.key }), colour: VAL });
      }
      if (r.val_fit) series.push(fitLine(r.val_fit, VAL, say("trend", { key: r.val.key })));
      r.nonfinite.forEach(function (t) { items.push({ label: t, colour: "#CC79A7" }); });
      if (r.train_fit || r.val_fit) items.push({ label: r.words.trends, colour: "#444", dash: true });
      items.push({ label: r.words.window, colour: WINDOW });
      if (r.best) items.push({ label: r.best_label, colour: MARK });
      if (r.band) items.push({ label: r.words.band, colour: r.val ? VAL : TRAIN, dash: true });
      panel.appendChild(chart(series, { window: r.window, best: r.best, band: r.band, bandColour: r.val ? VAL : TRAIN,
        phases: r.phases, unitWord: r.words.unit, label: say("curves_of", { run: r.run, code: r.code }) }));
      panel.appendChild(legend(items));
      panel.appendChild(section(L.evidence, r.evidence));
      if (r.timeline) { panel.appendChild(el("h3", L.timeline)); panel.appendChild(el("p", r.timeline)); }
      if (r.forecast) { panel.appendChild(el("h3", r.words.more)); panel.appendChild(el("p", r.forecast)); }
      panel.appendChild(section(L.fixes, r.fixes, true));
      if (r.notes.length) panel.appendChild(section(L.notes, r.notes));
    }
    try { history.replaceState(null, "", "#run-" + i); } catch (e) { /* a page opened from a sandbox */ }
    if (focus) h.focus();
  }
  function closePanel(i) {
    panel.hidden = true;
    panel.textContent = "";
    rows.forEach(function (tr) { tr.classList.remove("current"); });
    try { history.replaceState(null, "", "#"); } catch (e) { /* a page opened from a sandbox */ }
    var b = tbody.querySelector('tr[data-i="' + i + '"] button.open');
    if (b) b.focus();
  }
  tbody.addEventListener("click", function (ev) {
    var b = ev.target.closest("button.open");
    if (b) openRun(+b.closest("tr").dataset.i, true);
  });
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape" && !panel.hidden) closePanel(+(tbody.querySelector("tr.current") || { dataset: { i: -1 } }).dataset.i);
  });

  // -- the overlay of chosen runs ------------------------------------------------------------
  function picked() {
    return rows.filter(function (tr) { var c = tr.querySelector("input.pick"); return c && c.checked; })
      .map(function (tr) { return +tr.dataset.i; });
  }
  tbody.addEventListener("change", function (ev) {
    if (!ev.target.classList.contains("pick")) return;
    var n = picked().length;
    overlayBtn.disabled = n < 2;
    overlayBtn.textContent = n < 2 ? L.overlay : say("overlay_n", { n: n });
  });
  overlayBtn.addEventListener("click", function () {
    var series = [], items = [], chosen = picked();
    chosen.forEach(function (i, k) {
      var r = runs[i], c = r.val || r.train, colour = PALETTE[k % PALETTE.length];
      if (!c) return;
      var finite = c.y.some(function (v) { return v !== null; });
      var label = say(finite ? "overlay_item" : "overlay_item_nan", { run: r.run, key: c.key, code: r.code });
      series.push({ x: c.x, y: c.y, colour: colour, label: label, width: 1.8, dash: k >= PALETTE.length ? "5 3" : "none" });
      items.push({ label: label, colour: colour, dash: k >= PALETTE.length });
    });
    overlay.textContent = "";
    overlay.hidden = false;
    var close = el("button", L.close, "close");
    close.type = "button";
    close.addEventListener("click", function () { overlay.hidden = true; overlay.textContent = ""; overlayBtn.focus(); });
    overlay.appendChild(close);
    var h = el("h2", say("overlay_title", { n: chosen.length }));
    h.tabIndex = -1;
    overlay.appendChild(h);
    overlay.appendChild(chart(series, { unitWord: runs[chosen[0]].words.unit, label: say("overlay_title", { n: chosen.length }) }));
    overlay.appendChild(legend(items));
    h.focus();
  });

  applyFilters();
  var m = /^#run-(\d+)$/.exec(location.hash);
  if (m) openRun(+m[1], false);
  else if (runs.length === 1) openRun(0, false);
  document.body.setAttribute("data-ready", "1");
  window.lossdoctorReady = performance.now();
})();
