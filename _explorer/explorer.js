/* Live explorers on the static website: swap frames drawn at build time by lib.explorer.

   Each explorer (div.explorer) carries its controls as HTML form elements, hidden until this
   script shows them, and a JSON description (script.explorer-meta). Its frames (SVG drawn by
   the chapter's own `draw`) are either inline (script.explorer-frames) or, in the book, in a
   script file named by data-frames, injected on the reader's first touch of a control: a
   <script> element loads from file:// as well as over http, where fetch() would not.
   No network beyond the book's own files, no maths here: the browser only looks frames up. */
(function () {
  "use strict";
  var loaded = {};   // frames by explorer id
  var waiting = {};  // callbacks by explorer id, until its frames arrive

  window.whyLogPExplorer = {
    register: function (id, frames) {
      loaded[id] = frames;
      (waiting[id] || []).forEach(function (callback) { callback(frames); });
      delete waiting[id];
    }
  };

  function withFrames(root, callback) {
    var id = root.id;
    if (loaded[id]) { callback(loaded[id]); return; }
    (waiting[id] = waiting[id] || []).push(callback);
    if (waiting[id].length > 1) return;  // already on its way
    var inline = root.querySelector("script.explorer-frames");
    if (inline) { window.whyLogPExplorer.register(id, JSON.parse(inline.textContent)); return; }
    var script = document.createElement("script");
    script.src = root.getAttribute("data-frames");
    script.async = true;
    document.head.appendChild(script);
  }

  function frameUrl(frames, index) {
    frames.urls = frames.urls || {};
    if (!frames.urls[index]) {
      var runs = frames.frames[index], parts = [];
      for (var r = 0; r < runs.length; r += 2) {
        parts.push(frames.lines.slice(runs[r], runs[r] + runs[r + 1]).join("\n"));
      }
      var blob = new Blob([parts.join("\n")], { type: "image/svg+xml" });
      frames.urls[index] = URL.createObjectURL(blob);
    }
    return frames.urls[index];
  }

  function setup(root) {
    var meta = JSON.parse(root.querySelector("script.explorer-meta").textContent);
    var live = root.querySelector(".explorer-live");
    var image = live.querySelector(".explorer-frame img");
    var readout = live.querySelector(".explorer-readout");
    var positions = meta.start.slice();
    var shown = -1;

    function position(control) {
      var range = control.querySelector("input[type=range]");
      if (range) return Number(range.value);
      var select = control.querySelector("select");
      if (select) return Number(select.value);
      var box = control.querySelector("input[type=checkbox]");
      if (box) return box.checked ? 1 : 0;
      var radio = control.querySelector("input[type=radio]:checked");
      return radio ? Number(radio.value) : 0;
    }

    function index() {
      var i = 0;
      for (var k = 0; k < meta.shape.length; k++) i = i * meta.shape[k] + positions[k];
      return i;
    }

    function update() {
      live.querySelectorAll("[data-control]").forEach(function (control) {
        var k = Number(control.getAttribute("data-control"));
        positions[k] = position(control);
        var range = control.querySelector("input[type=range]");
        if (range) {  // the value beside the slider, and what a screen reader says
          var text = JSON.parse(range.getAttribute("data-labels"))[positions[k]];
          range.setAttribute("aria-valuetext", text);
          control.querySelector("output").textContent = text;
        }
      });
      var i = index();
      withFrames(root, function (frames) {
        if (index() !== i || shown === i) return;  // a later move wins
        shown = i;
        // Figure, alt text and readout change together (the readout is announced).
        image.src = frameUrl(frames, i);
        image.alt = meta.alt + " Setting: " + meta.settings[i] + ".";
        readout.textContent = meta.readouts[i];
        root.setAttribute("data-frame", String(i));
      });
    }

    var controls = live.querySelector(".explorer-controls");
    controls.addEventListener("input", update);
    controls.addEventListener("change", update);
    controls.addEventListener("submit", function (event) { event.preventDefault(); });
    // Fetch the frames as soon as a reader reaches for a control, before it moves.
    ["pointerenter", "pointerdown", "focusin", "touchstart"].forEach(function (type) {
      controls.addEventListener(type, function () { withFrames(root, function () {}); },
        { once: true, passive: true });
    });

    // Show the live explorer; keep the snapshots one click away.
    var snapshots = root.querySelector("figure.explorer-static");
    if (snapshots) {
      var details = document.createElement("details");
      details.className = "explorer-snapshots";
      var summary = document.createElement("summary");
      summary.textContent = "Snapshots at a few settings";
      details.appendChild(summary);
      root.insertBefore(details, snapshots);
      details.appendChild(snapshots);
      var note = snapshots.querySelector("figcaption em");
      if (note) note.remove();
    }
    live.hidden = false;
    shown = index();
    root.setAttribute("data-frame", String(shown));
    root.classList.add("explorer-ready");
  }

  function start() {
    document.querySelectorAll("div.explorer").forEach(setup);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
