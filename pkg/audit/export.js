// A small asciicast v2 player: replays the recorded output (and, when
// asked, the typed input) into a <pre> with the recorded timing. Text is
// set with textContent only; terminal control sequences are dropped.
(function () {
  "use strict";
  function parse(text) {
    var lines = text.split("\n"), events = [];
    for (var i = 1; i < lines.length; i++) {
      if (!lines[i]) continue;
      try {
        var e = JSON.parse(lines[i]);
        if (Array.isArray(e) && e.length >= 3 && typeof e[2] === "string") events.push(e);
      } catch (err) { /* a damaged line is skipped */ }
    }
    return events;
  }
  // Drop CSI, OSC and other escape sequences; keep text, newlines, tabs.
  var ESC = /\x1b\[[0-?]*[ -\/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)|\x1b[P^_][^\x1b]*\x1b\\|\x1b[@-Z\\-_]|[\x00-\x07\x0b\x0c\x0e-\x1a\x1c-\x1f\x7f]/g;
  function clean(s) { return s.replace(/\r\n/g, "\n").replace(ESC, "").replace(/\r/g, ""); }
  function write(pre, s, cls) {
    var out = "";
    for (var i = 0; i < s.length; i++) {
      if (s[i] === "\b") { if (out.length) out = out.slice(0, -1); else trimLast(pre); }
      else out += s[i];
    }
    if (!out) return;
    if (cls) { var sp = document.createElement("span"); sp.className = cls; sp.textContent = out; pre.appendChild(sp); }
    else pre.appendChild(document.createTextNode(out));
    pre.scrollTop = pre.scrollHeight;
  }
  function trimLast(pre) {
    var n = pre.lastChild;
    if (n && n.textContent.length) n.textContent = n.textContent.slice(0, -1);
  }
  document.querySelectorAll(".player").forEach(function (el) {
    var text = CASTS[el.getAttribute("data-seq")];
    if (typeof text !== "string") return;
    var events = parse(text), pre = el.querySelector("pre"), i = 0, timer = null;
    var speed = el.querySelector("[data-act=speed]"), input = el.querySelector("[data-act=input]");
    function show(e) {
      if (e[1] === "o") write(pre, clean(e[2]));
      else if (e[1] === "i" && input.checked) write(pre, clean(e[2]), "in");
    }
    function step() {
      if (i >= events.length) { timer = null; return; }
      show(events[i]);
      var prev = events[i][0];
      i++;
      if (i < events.length) {
        var wait = Math.min(Math.max(events[i][0] - prev, 0), 2) * 1000 / Number(speed.value);
        timer = setTimeout(step, wait);
      } else timer = null;
    }
    el.querySelector("[data-act=play]").addEventListener("click", function () {
      if (timer) return;
      if (i >= events.length) { i = 0; pre.textContent = ""; }
      step();
    });
    el.querySelector("[data-act=pause]").addEventListener("click", function () { clearTimeout(timer); timer = null; });
    el.querySelector("[data-act=all]").addEventListener("click", function () {
      clearTimeout(timer); timer = null; pre.textContent = "";
      for (i = 0; i < events.length; i++) show(events[i]);
    });
  });
})();
