// The explorer page: talks to /api and renders every word with textContent (never as HTML).
(function () {
  "use strict";
  var NS = "http://www.w3.org/2000/svg";  // the SVG namespace name: an identifier, never fetched
  function $(id) { return document.getElementById(id); }
  function api(path, params) {
    var q = new URLSearchParams();
    Object.keys(params).forEach(function (k) {
      [].concat(params[k]).forEach(function (v) { q.append(k, v); });
    });
    return fetch("/api/" + path + "?" + q.toString()).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { var e = new Error(body.error || ("HTTP " + r.status)); e.body = body; throw e; }
        return body;
      });
    });
  }
  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); }
  function showError(box, err, retry) {
    clear(box);
    box.appendChild(document.createTextNode(typeof err === "string" ? err : err.message));
    var sugg = (err.body && err.body.suggestions) || [];
    if (sugg.length) {
      box.appendChild(document.createTextNode(" Did you mean"));
      sugg.forEach(function (s) {
        var b = document.createElement("button");
        b.type = "button"; b.textContent = s;
        b.addEventListener("click", function () { retry(s); });
        box.appendChild(b);
      });
    }
  }
  function listAnswers(ol, items) {
    clear(ol);
    items.forEach(function (it) {
      var li = document.createElement("li");
      li.appendChild(document.createTextNode(it.key));
      var s = document.createElement("span");
      s.className = "score"; s.textContent = it.score.toFixed(3);
      li.appendChild(s); ol.appendChild(li);
    });
  }
  var spin = {yaw: 0.6, pitch: 0.35, zoom: 1}, shown3d = null;
  function drawMap3d(points) {  // x, y, z: centred, scaled to the unit sphere, rotated, in perspective
    var svg = $("map"); clear(svg);
    var W = 600, H = 420, n = points.length, m = [0, 0, 0], r = 0;
    points.forEach(function (p) { m[0] += p.x / n; m[1] += p.y / n; m[2] += p.z / n; });
    var c = points.map(function (p) { return [p.x - m[0], p.y - m[1], p.z - m[2]]; });
    c.forEach(function (v) { r = Math.max(r, Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2])); });
    r = r || 1;
    var cy = Math.cos(spin.yaw), sy = Math.sin(spin.yaw), cp = Math.cos(spin.pitch), sp = Math.sin(spin.pitch);
    var proj = c.map(function (v) {
      var x = (cy * v[0] + sy * v[2]) / r, z = (-sy * v[0] + cy * v[2]) / r, y = v[1] / r;
      var y2 = cp * y - sp * z, z2 = sp * y + cp * z, f = 3 / (3 - z2) * 170 * spin.zoom;
      return [W / 2 + x * f, H / 2 - y2 * f, z2];
    });
    var order = proj.map(function (_, i) { return i; }).sort(function (i, j) { return proj[i][2] - proj[j][2]; });
    order.forEach(function (i) {
      var p = points[i], q = proj[i];
      var ci = document.createElementNS(NS, "circle");
      ci.setAttribute("cx", q[0]); ci.setAttribute("cy", q[1]); ci.setAttribute("r", (i === 0 ? 6 : 4) * (1 + 0.3 * q[2]));
      ci.setAttribute("fill", i === 0 ? "#c62828" : "#1565c0");
      var t = document.createElementNS(NS, "text");
      t.setAttribute("x", q[0] + 7); t.setAttribute("y", q[1] + 4);
      if (i === 0) t.setAttribute("class", "query");
      t.textContent = p.key;
      svg.appendChild(ci); svg.appendChild(t);
    });
    shown3d = points;
  }
  (function () {  // dragging rotates a 3-D map, the wheel zooms it
    var svg = $("map"), last = null;
    svg.addEventListener("mousedown", function (e) { if (shown3d) last = [e.clientX, e.clientY]; });
    window.addEventListener("mouseup", function () { last = null; });
    window.addEventListener("mousemove", function (e) {
      if (!last || !shown3d) return;
      spin.yaw += (e.clientX - last[0]) * 0.01;
      spin.pitch = Math.max(-1.5, Math.min(1.5, spin.pitch + (e.clientY - last[1]) * 0.01));
      last = [e.clientX, e.clientY]; drawMap3d(shown3d);
    });
    svg.addEventListener("wheel", function (e) {
      if (!shown3d) return;
      e.preventDefault(); spin.zoom = Math.max(0.2, Math.min(20, spin.zoom * (e.deltaY < 0 ? 1.2 : 1 / 1.2))); drawMap3d(shown3d);
    }, {passive: false});
  })();
  function drawMap(points) {
    shown3d = null;
    var svg = $("map"); clear(svg);
    var W = 600, H = 420, P = 40;
    var xs = points.map(function (p) { return p.x; }), ys = points.map(function (p) { return p.y; });
    var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs), y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
    var sx = function (v) { return P + (v - x0) / ((x1 - x0) || 1) * (W - 2 * P - 60); };
    var sy = function (v) { return H - P - (v - y0) / ((y1 - y0) || 1) * (H - 2 * P); };
    points.forEach(function (p, i) {
      var c = document.createElementNS(NS, "circle");
      c.setAttribute("cx", sx(p.x)); c.setAttribute("cy", sy(p.y)); c.setAttribute("r", i === 0 ? 6 : 4);
      c.setAttribute("fill", i === 0 ? "#c62828" : "#1565c0");
      var t = document.createElementNS(NS, "text");
      t.setAttribute("x", sx(p.x) + 7); t.setAttribute("y", sy(p.y) + 4);
      if (i === 0) t.setAttribute("class", "query");
      t.textContent = p.key;
      svg.appendChild(c); svg.appendChild(t);
    });
  }
  // the address of what is shown, so that it can be bookmarked or shared: /?word=king,
  // /?a=man&b=king&c=woman, /?w1=gold&w2=silver, /?odd=gold,silver,sheep
  function remember(params) {
    var q = new URLSearchParams(params).toString();
    history.replaceState(null, "", q ? "?" + q : location.pathname);
  }
  function search(word) {
    $("word").value = word;
    var k = Math.max(2, Math.min(50, parseInt($("k").value, 10) || 15));
    remember({word: word, k: k});
    clear($("search-error"));
    var dim = $("map3d").checked ? 3 : 2;
    api("map", {word: word, k: k, dim: dim}).then(function (res) {
      listAnswers($("neighbours"), res.points.slice(1).map(function (p) { return {key: p.key, score: p.score}; }));
      if (res.dim === 3) drawMap3d(res.points); else drawMap(res.points);
    }).catch(function (e) { shown3d = null; clear($("neighbours")); clear($("map")); showError($("search-error"), e, search); });
  }
  $("map3d").addEventListener("change", function () { if ($("word").value.trim()) search($("word").value.trim()); });
  var pending = null;
  $("word").addEventListener("input", function () {
    var prefix = $("word").value;
    clearTimeout(pending);
    if (!prefix) return;
    pending = setTimeout(function () {
      api("complete", {prefix: prefix, n: 10}).then(function (res) {
        var dl = $("completions"); clear(dl);
        res.keys.forEach(function (k) { var o = document.createElement("option"); o.value = k; dl.appendChild(o); });
      }).catch(function () {});
    }, 120);
  });
  $("search-form").addEventListener("submit", function (e) { e.preventDefault(); search($("word").value.trim()); });
  function solve() {
    clear($("analogy-error"));
    var q = {a: $("a").value.trim(), b: $("b").value.trim(), c: $("c").value.trim()};
    remember(q);
    api("analogy", {a: q.a, b: q.b, c: q.c, k: 10, method: $("method").value})
      .then(function (res) { listAnswers($("analogy-answers"), res.answers); })
      .catch(function (err) { clear($("analogy-answers")); showError($("analogy-error"), err, function () {}); });
  }
  function compare() {
    clear($("compare-error"));
    var q = {w1: $("w1").value.trim(), w2: $("w2").value.trim()};
    remember(q);
    api("similarity", {a: q.w1, b: q.w2})
      .then(function (res) { $("similarity").textContent = "cosine similarity of " + res.a + " and " + res.b + ": " + res.similarity.toFixed(4); })
      .catch(function (err) { $("similarity").textContent = ""; showError($("compare-error"), err, function () {}); });
  }
  function oddOne() {
    clear($("odd-error"));
    var words = $("odd-words").value.split(",").map(function (w) { return w.trim(); }).filter(function (w) { return w; });
    remember({odd: words.join(",")});
    api("odd-one-out", {words: words.join(",")})
      .then(function (res) { $("odd").textContent = "the odd one out of " + res.words.join(", ") + ": " + res.odd; })
      .catch(function (err) { $("odd").textContent = ""; showError($("odd-error"), err, function () {}); });
  }
  $("analogy-form").addEventListener("submit", function (e) { e.preventDefault(); solve(); });
  $("compare-form").addEventListener("submit", function (e) { e.preventDefault(); compare(); });
  $("odd-form").addEventListener("submit", function (e) { e.preventDefault(); oddOne(); });
  (function () {  // a deep link: run what the address asks for
    var q = new URLSearchParams(location.search);
    if (q.get("word")) {
      if (q.get("k")) $("k").value = q.get("k");
      search(q.get("word"));
    } else if (q.get("a") && q.get("b") && q.get("c")) {
      $("a").value = q.get("a"); $("b").value = q.get("b"); $("c").value = q.get("c"); solve();
      $("analogy-section").scrollIntoView();
    } else if (q.get("w1") && q.get("w2")) {
      $("w1").value = q.get("w1"); $("w2").value = q.get("w2"); compare();
      $("compare-section").scrollIntoView();
    } else if (q.get("odd")) {
      $("odd-words").value = q.get("odd"); oddOne();
      $("odd-section").scrollIntoView();
    }
  })();
  api("info", {}).then(function (res) {
    $("info").textContent = res.keys.toLocaleString() + " words, " + res.dim + " dimensions" + (res.algorithm ? " (" + res.algorithm + ")" : "");
  });
})();
