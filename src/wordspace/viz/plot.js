// Renders a wordspace plot (the JSON in #data) as SVG: pan by dragging, zoom with the wheel,
// hover a point to see its word; a map of 3-D points is rotated by dragging instead. Text is set with textContent only, never parsed as HTML.
(function () {
  "use strict";
  var spec = JSON.parse(document.getElementById("data").textContent);
  var d = spec.data, svg = document.getElementById("plot"), tip = document.getElementById("tip");
  var NS = "http://www.w3.org/2000/svg";  // the SVG namespace name: an identifier, never fetched
  var COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22"];
  document.getElementById("title").textContent = spec.title;
  function el(name, attrs, parent) {
    var e = document.createElementNS(NS, name);
    for (var k in attrs) e.setAttribute(k, attrs[k]);
    (parent || svg).appendChild(e);
    return e;
  }
  var W = svg.clientWidth || 900, H = svg.clientHeight || 600, PAD = 50;
  svg.setAttribute("viewBox", "0 0 " + W + " " + H);
  var view = el("g", {});
  function scaler(values, lo, hi, log) {
    var f = log ? function (v) { return Math.log10(v); } : function (v) { return v; };
    var vs = values.filter(function (v) { return isFinite(f(v)); }).map(f);
    var mn = Math.min.apply(null, vs), mx = Math.max.apply(null, vs);
    if (mx === mn) { mx += 1; mn -= 1; }
    return function (v) { return lo + (f(v) - mn) / (mx - mn) * (hi - lo); };
  }
  function showTip(evt, text) { tip.textContent = text; tip.style.display = "block"; tip.style.left = (evt.clientX + 12) + "px"; tip.style.top = (evt.clientY + 12) + "px"; }
  function hideTip() { tip.style.display = "none"; }
  function points(words, pts, groups, labelAll) {
    var sx = scaler(pts.map(function (p) { return p[0]; }), PAD, W - PAD, false);
    var sy = scaler(pts.map(function (p) { return p[1]; }), H - PAD, PAD, false);
    var names = Array.from(new Set(groups.filter(function (g) { return g !== null; }))).sort();
    var boxes = [];
    words.forEach(function (w, i) {
      var x = sx(pts[i][0]), y = sy(pts[i][1]);
      var g = groups[i], color = g === null ? "#444" : COLORS[names.indexOf(g) % COLORS.length];
      var c = el("circle", {cx: x, cy: y, r: 4, fill: color, "data-word": w}, view);
      c.addEventListener("mousemove", function (e) { showTip(e, w + (g === null ? "" : "  (" + g + ")")); });
      c.addEventListener("mouseleave", hideTip);
      // greedy labels: skip one that would overlap a label already placed (hover still shows it)
      var bw = 7 * w.length, bh = 12, bx = x + 5, by = y - 3;
      var clash = boxes.some(function (b) { return bx < b[0] + b[2] && b[0] < bx + bw && by - bh < b[1] && b[1] - b[3] < by; });
      if (labelAll || !clash) { var t = el("text", {x: bx, y: by, "class": "label"}, view); t.textContent = w; boxes.push([bx, by, bw, bh]); }
    });
    return {sx: sx, sy: sy};
  }
  function line(xs, ys, sx, sy, color) {
    el("polyline", {points: xs.map(function (x, i) { return sx(x) + "," + sy(ys[i]); }).join(" "), fill: "none", stroke: color, "stroke-width": 2}, view);
  }
  function axes(xlabel, ylabel) {
    el("line", {x1: PAD, y1: H - PAD, x2: W - PAD, y2: H - PAD, "class": "axis"});
    el("line", {x1: PAD, y1: PAD, x2: PAD, y2: H - PAD, "class": "axis"});
    var a = el("text", {x: W / 2, y: H - 12, "text-anchor": "middle"}); a.textContent = xlabel;
    var b = el("text", {x: 14, y: H / 2, transform: "rotate(-90 14 " + H / 2 + ")", "text-anchor": "middle"}); b.textContent = ylabel;
  }
  function legend(items) {
    items.forEach(function (it, i) {
      el("rect", {x: W - 190, y: 12 + 18 * i, width: 12, height: 12, fill: it[1], "class": "legend"});
      var t = el("text", {x: W - 172, y: 22 + 18 * i}); t.textContent = it[0];
    });
  }
  function groupLegend(groups) {  // the colour of each group (query word, cluster, pair), as the images have
    var names = Array.from(new Set(groups.filter(function (g) { return g !== null; }))).sort();
    legend(names.map(function (g, i) { return [g, COLORS[i % COLORS.length]]; }));
  }
  // a 3-D map: points rotated by dragging and zoomed with the wheel, drawn far to near with a
  // perspective; labels placed greedily from the nearest point outwards at every redraw
  function map3d(words, pts, groups) {
    var n = pts.length, mean = [0, 0, 0], radius = 0;
    pts.forEach(function (p) { for (var a = 0; a < 3; a++) mean[a] += p[a] / n; });
    var c = pts.map(function (p) { return [p[0] - mean[0], p[1] - mean[1], p[2] - mean[2]]; });
    c.forEach(function (p) { radius = Math.max(radius, Math.sqrt(p[0] * p[0] + p[1] * p[1] + p[2] * p[2])); });
    if (!(radius > 0)) radius = 1;
    c = c.map(function (p) { return [p[0] / radius, p[1] / radius, p[2] / radius]; });
    var names = Array.from(new Set(groups.filter(function (g) { return g !== null; }))).sort();
    var state = {yaw: 0.6, pitch: 0.35, zoom: 1};
    var scale = Math.min(W, H) / 2 - PAD, D = 3;
    function project(p) {
      var cy = Math.cos(state.yaw), sy = Math.sin(state.yaw), cp = Math.cos(state.pitch), sp = Math.sin(state.pitch);
      var x = cy * p[0] + sy * p[2], z = -sy * p[0] + cy * p[2];
      var y = cp * p[1] - sp * z, z2 = sp * p[1] + cp * z;
      var f = D / (D - z2) * scale * state.zoom;
      return [W / 2 + x * f, H / 2 - y * f, z2, f / (scale * state.zoom)];
    }
    function draw() {
      while (view.firstChild) view.removeChild(view.firstChild);
      [[1, 0, 0], [0, 1, 0], [0, 0, 1]].forEach(function (axis) {  // the three principal axes
        var a = project([-axis[0], -axis[1], -axis[2]]), b = project(axis);
        el("line", {x1: a[0], y1: a[1], x2: b[0], y2: b[1], "class": "axis"}, view);
      });
      var proj = c.map(project), order = proj.map(function (_, i) { return i; });
      order.sort(function (i, j) { return proj[i][2] - proj[j][2]; });  // far first
      order.forEach(function (i) {
        var w = words[i], g = groups[i], color = g === null ? "#444" : COLORS[names.indexOf(g) % COLORS.length];
        var circle = el("circle", {cx: proj[i][0], cy: proj[i][1], r: 3 + 1.5 * proj[i][3], fill: color, "data-word": w}, view);
        circle.addEventListener("mousemove", function (e) { showTip(e, w + (g === null ? "" : "  (" + g + ")")); });
        circle.addEventListener("mouseleave", hideTip);
      });
      var boxes = [];
      order.slice().reverse().forEach(function (i) {  // nearest labels first
        var w = words[i], bw = 7 * w.length, bh = 12, bx = proj[i][0] + 5, by = proj[i][1] - 3;
        var clash = boxes.some(function (b) { return bx < b[0] + b[2] && b[0] < bx + bw && by - bh < b[1] && b[1] - b[3] < by; });
        if (!clash) { var t = el("text", {x: bx, y: by, "class": "label"}, view); t.textContent = w; boxes.push([bx, by, bw, bh]); }
      });
    }
    draw();
    return {
      rotate: function (dx, dy) { state.yaw += dx * 0.01; state.pitch = Math.max(-1.5, Math.min(1.5, state.pitch + dy * 0.01)); draw(); },
      zoom: function (f) { state.zoom = Math.max(0.2, Math.min(20, state.zoom * f)); draw(); }
    };
  }
  var rotating = null;
  if (spec.kind === "map" && d.points.length && d.points[0].length === 3) {
    rotating = map3d(d.words, d.points, d.groups);
    groupLegend(d.groups);
    document.querySelector(".note").textContent = "Drag to rotate, wheel to zoom, hover a point for its word.";
  } else if (spec.kind === "map" || spec.kind === "analogy") {
    var s = points(d.words, d.points, d.groups, spec.kind === "analogy");
    groupLegend(d.groups);
    if (spec.kind === "analogy") {
      var defs = el("defs", {}), m = el("marker", {id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto"}, defs);
      el("path", {d: "M0,0 L10,5 L0,10 z", fill: "#333"}, m);
      var names = Array.from(new Set(d.groups.filter(function (g) { return g !== null; }))).sort();  // the legend's order
      d.arrows.forEach(function (ab) {
        var pa = d.points[d.words.indexOf(ab[0])], pb = d.points[d.words.indexOf(ab[1])];
        var gi = names.indexOf(ab[0] + " : " + ab[1]), color = gi < 0 ? "#444" : COLORS[gi % COLORS.length];
        el("line", {x1: s.sx(pa[0]), y1: s.sy(pa[1]), x2: s.sx(pb[0]), y2: s.sy(pb[1]), stroke: color, "stroke-width": 2, "marker-end": "url(#arrow)"}, view);
      });
      axes(d.xlabel, d.ylabel);
    }
  } else if (spec.kind === "history") {
    var sx = scaler(d.epochs, PAD, W - PAD, false), sy = scaler(d.loss, H - PAD, PAD, false);
    line(d.epochs, d.loss, sx, sy, COLORS[0]);
    var items = [["loss", COLORS[0]]];
    Object.keys(d.scores).forEach(function (name, i) {
      var ys = scaler(d.scores[name], H - PAD, PAD, false);
      line(d.epochs, d.scores[name], sx, ys, COLORS[i + 1]); items.push([name + " (own scale)", COLORS[i + 1]]);
    });
    axes("epoch", "loss"); legend(items);
  } else if (spec.kind === "subsampling") {
    var fx = scaler(d.curve_freq.concat(d.freq), PAD, W - PAD, true), fy = scaler([0, 1], H - PAD, PAD, false);
    d.freq.forEach(function (f, i) { el("circle", {cx: fx(f), cy: fy(d.keep[i]), r: 1.5, fill: COLORS[1], opacity: 0.4}, view); });
    line(d.curve_freq, d.curve_keep, fx, fy, COLORS[0]);
    points(d.labels, d.label_freq.map(function (f, i) { return [Math.log10(f), d.label_keep[i]]; }), d.labels.map(function () { return null; }), true);
    axes("word frequency (log scale)", "probability of keeping an occurrence");
    legend([["formula", COLORS[0]], ["vocabulary words", COLORS[1]]]);
  } else if (spec.kind === "probe") {
    var px = scaler(d.layers, PAD, W - PAD, false), py = scaler([0, 1], H - PAD, PAD, false);
    line(d.layers, d.accuracy, px, py, COLORS[0]);
    line(d.layers, d.control, px, py, COLORS[1]);
    line([d.layers[0], d.layers[d.layers.length - 1]], [d.majority, d.majority], px, py, "#777");
    d.layers.forEach(function (l, i) {
      var c = el("circle", {cx: px(l), cy: py(d.accuracy[i]), r: 4, fill: COLORS[0], "data-layer": l}, view);
      c.addEventListener("mousemove", function (e) {
        showTip(e, "layer " + l + ": accuracy " + d.accuracy[i].toFixed(3) + ", control " + d.control[i].toFixed(3));
      });
      c.addEventListener("mouseleave", hideTip);
    });
    axes("layer (0 = embeddings)", "cross-validated accuracy");
    legend([["probe", COLORS[0]], ["control task", COLORS[1]], ["majority baseline", "#777"]]);
  } else if (spec.kind === "noise") {
    var rx = scaler(d.rank, PAD, W - PAD, true), ry = scaler(d.unigram.concat(d.noise), H - PAD, PAD, true);
    line(d.rank.map(Math.log10), d.unigram.map(Math.log10), function (v) { return rx(Math.pow(10, v)); }, function (v) { return ry(Math.pow(10, v)); }, COLORS[0]);
    line(d.rank.map(Math.log10), d.noise.map(Math.log10), function (v) { return rx(Math.pow(10, v)); }, function (v) { return ry(Math.pow(10, v)); }, COLORS[1]);
    d.labels.forEach(function (w, i) { var t = el("text", {x: rx(d.label_rank[i]) + 4, y: ry(d.label_noise[i]) - 4, "class": "label"}, view); t.textContent = w; });
    axes("word rank (log scale)", "probability (log scale)");
    legend([["unigram", COLORS[0]], ["unigram^" + d.power, COLORS[1]]]);
  }
  if (rotating) {  // a 3-D map: dragging rotates, the wheel zooms
    var last = null;
    svg.addEventListener("wheel", function (e) { e.preventDefault(); rotating.zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2); }, {passive: false});
    svg.addEventListener("mousedown", function (e) { last = [e.clientX, e.clientY]; });
    window.addEventListener("mouseup", function () { last = null; });
    window.addEventListener("mousemove", function (e) {
      if (!last) return;
      rotating.rotate(e.clientX - last[0], e.clientY - last[1]); last = [e.clientX, e.clientY];
    });
    return;
  }
  // pan and zoom
  var tx = 0, ty = 0, k = 1, drag = null;
  function apply() { view.setAttribute("transform", "translate(" + tx + "," + ty + ") scale(" + k + ")"); }
  svg.addEventListener("wheel", function (e) {
    e.preventDefault();
    var r = svg.getBoundingClientRect(), px = (e.clientX - r.left) * W / r.width, py = (e.clientY - r.top) * H / r.height;
    var f = e.deltaY < 0 ? 1.2 : 1 / 1.2;
    tx = px - (px - tx) * f; ty = py - (py - ty) * f; k *= f; apply();
  }, {passive: false});
  svg.addEventListener("mousedown", function (e) { drag = [e.clientX, e.clientY, tx, ty]; });
  window.addEventListener("mouseup", function () { drag = null; });
  window.addEventListener("mousemove", function (e) {
    if (!drag) return;
    var r = svg.getBoundingClientRect();
    tx = drag[2] + (e.clientX - drag[0]) * W / r.width; ty = drag[3] + (e.clientY - drag[1]) * H / r.height; apply();
  });
})();
