/* opsmanual site: search from disk. The index (search-index.js) and MiniSearch
   (minisearch.min.js) are loaded by <script> tags at the first search, so a page opens without
   them and nothing is fetched from the network. Chinese, Japanese and Korean text is indexed as
   pairs of characters: a query of two or three characters (审批, 审批人) finds the text holding
   them; Latin-script words are whole words, the last one of a query also as a prefix. */
(function () {
  "use strict";
  var box = document.getElementById("site-search");
  var list = document.getElementById("site-results");
  if (!box || !list) { return; }
  var HAN = "\u2e80-\u2fdf\u3040-\u30ff\u3100-\u312f\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff";
  var CJK = new RegExp("[" + HAN + "]");
  // a run of CJK characters, or a word of other letters and digits (never both in one token)
  var RUN = new RegExp("[" + HAN + "]+|(?:(?![" + HAN + "])[\\p{L}\\p{N}_])+", "gu");
  var engine = null;
  var state = "idle";
  var waiting = [];
  var active = -1;

  function tokenize(text) {
    var out = [];
    var runs = String(text).match(RUN) || [];
    for (var i = 0; i < runs.length; i++) {
      var run = runs[i];
      if (!CJK.test(run[0]) || run.length < 3) { out.push(run); continue; }
      for (var k = 0; k + 1 < run.length; k++) { out.push(run.slice(k, k + 2)); }
    }
    return out;
  }

  function script(src, then) {
    var tag = document.createElement("script");
    tag.src = src;
    tag.onload = then;
    tag.onerror = function () { state = "failed"; };
    document.head.appendChild(tag);
  }

  function load(then) {
    if (state === "ready") { then(); return; }
    waiting.push(then);
    if (state !== "idle") { return; }
    state = "loading";
    script("minisearch.min.js", function () {
      script("search-index.js", function () {
        var data = window.opsmanualSearch;
        if (!data || !window.MiniSearch) { state = "failed"; return; }
        // the index comes built (render/site.py writes MiniSearch's own serialized form with
        // the tokens of `tokenize`); this tokenizer then splits the queries alike
        engine = window.MiniSearch.loadJS(data.index, {
          idField: "u",
          fields: ["t", "b"],
          storeFields: ["t", "k"],
          tokenize: tokenize,
          processTerm: function (term) { return term.toLowerCase(); },
          searchOptions: {
            boost: { t: 3 },
            combineWith: "AND",
            prefix: function (term, i, terms) {
              return CJK.test(term) ? term.length === 1 : i === terms.length - 1;
            },
            fuzzy: function (term) { return !CJK.test(term) && term.length > 4 ? 0.2 : false; }
          }
        });
        state = "ready";
        var todo = waiting;
        waiting = [];
        for (var i = 0; i < todo.length; i++) { todo[i](); }
      });
    });
  }

  function note(text) {
    list.textContent = "";
    var item = document.createElement("li");
    item.className = "note";
    item.textContent = text;
    list.appendChild(item);
    list.hidden = false;
  }

  function show() {
    var query = box.value.trim();
    active = -1;
    if (!query) { list.hidden = true; list.textContent = ""; return; }
    if (state !== "ready") {
      note(box.getAttribute("data-loading"));
      load(show);
      return;
    }
    var hits = engine.search(query).slice(0, 30);
    if (!hits.length) { note(box.getAttribute("data-none")); return; }
    list.textContent = "";
    for (var i = 0; i < hits.length; i++) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = hits[i].id;
      link.textContent = hits[i].t;
      if (hits[i].k) {
        var kind = document.createElement("small");
        kind.textContent = hits[i].k;
        link.appendChild(kind);
      }
      item.appendChild(link);
      list.appendChild(item);
    }
    list.hidden = false;
  }

  function move(step) {
    var items = list.querySelectorAll("li a");
    if (!items.length) { return; }
    if (active >= 0 && items[active]) { items[active].parentNode.classList.remove("active"); }
    active = (active + step + items.length) % items.length;
    items[active].parentNode.classList.add("active");
    items[active].scrollIntoView({ block: "nearest" });
  }

  box.addEventListener("focus", function () { load(function () {}); });
  box.addEventListener("input", show);
  box.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { move(1); event.preventDefault(); }
    else if (event.key === "ArrowUp") { move(-1); event.preventDefault(); }
    else if (event.key === "Escape") { list.hidden = true; }
  });
  box.form.addEventListener("submit", function (event) {
    event.preventDefault();
    var items = list.querySelectorAll("li a");
    var pick = items[active >= 0 ? active : 0];
    if (pick) { window.location.href = pick.href; }
  });
  document.addEventListener("click", function (event) {
    if (!box.form.contains(event.target)) { list.hidden = true; }
  });
  var asked = /[?&]q=([^&]*)/.exec(window.location.search);
  if (asked) {
    box.value = decodeURIComponent(asked[1].replace(/\+/g, " "));
    show();
  }
}());
