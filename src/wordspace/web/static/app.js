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
  function drawMap(points) {
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
  function search(word) {
    $("word").value = word;
    var k = Math.max(2, Math.min(50, parseInt($("k").value, 10) || 15));
    clear($("search-error"));
    api("map", {word: word, k: k}).then(function (res) {
      listAnswers($("neighbours"), res.points.slice(1).map(function (p) { return {key: p.key, score: p.score}; }));
      drawMap(res.points);
    }).catch(function (e) { clear($("neighbours")); clear($("map")); showError($("search-error"), e, search); });
  }
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
  $("analogy-form").addEventListener("submit", function (e) {
    e.preventDefault();
    clear($("analogy-error"));
    api("analogy", {a: $("a").value.trim(), b: $("b").value.trim(), c: $("c").value.trim(), k: 10, method: $("method").value})
      .then(function (res) { listAnswers($("analogy-answers"), res.answers); })
      .catch(function (err) { clear($("analogy-answers")); showError($("analogy-error"), err, function () {}); });
  });
  $("compare-form").addEventListener("submit", function (e) {
    e.preventDefault();
    clear($("compare-error"));
    api("similarity", {a: $("w1").value.trim(), b: $("w2").value.trim()})
      .then(function (res) { $("similarity").textContent = "cosine similarity of " + res.a + " and " + res.b + ": " + res.similarity.toFixed(4); })
      .catch(function (err) { $("similarity").textContent = ""; showError($("compare-error"), err, function () {}); });
  });
  api("info", {}).then(function (res) {
    $("info").textContent = res.keys.toLocaleString() + " words, " + res.dim + " dimensions" + (res.algorithm ? " (" + res.algorithm + ")" : "");
  });
})();
