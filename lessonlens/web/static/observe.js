// lessonlens observation page: every change autosaves (scores, comments, notes), one request per
// field at a time, the latest value winning; a failed save is retried until the server
// acknowledges it (network loss, server restart), a refused one (out of range) is shown on its
// field. Pressing N (outside text fields) drops a note at the video's current time.
(function () {
  "use strict";
  var root = document.getElementById("observe");
  if (!root) { return; }
  var base = root.getAttribute("data-base");
  var editable = root.getAttribute("data-editable") === "true";
  var statusNode = document.getElementById("save-status");
  var video = document.getElementById("lesson-video");
  var notesList = document.getElementById("notes");
  var token = "";
  try { token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || ""; } catch (e) { token = ""; }

  var queue = {};     // key -> {url, body, field}: what still has to reach the server
  var order = [];     // keys in the order they were first queued
  var busy = false;
  var retryTimer = null;
  var timers = {};

  function show(kind, text) {
    statusNode.className = "save " + kind;
    statusNode.textContent = text;
    root.setAttribute("data-save-state", kind);
    mark();
  }
  function pending() { return order.length > 0 || busy; }
  function mark() {  // how many changes are not acknowledged yet (tests and the unload warning read it)
    root.setAttribute("data-pending", String(order.length + (busy ? 1 : 0) + Object.keys(timers).length));
  }
  function enqueue(key, url, body, field) {
    if (!(key in queue)) { order.push(key); }
    queue[key] = {url: url, body: body, field: field};
    show("busy", root.getAttribute("data-saving"));
    flush();
  }
  function fieldError(field, message) {
    if (!field) { return; }
    var box = field.closest(".point") || field.closest(".note-item");
    var slot = box ? box.querySelector(".point-error") : null;
    if (slot) { slot.textContent = message; }
    if (message) { field.setAttribute("aria-invalid", "true"); } else { field.removeAttribute("aria-invalid"); }
  }
  function retryLater() {
    show("retry", root.getAttribute("data-retry"));
    if (retryTimer) { clearTimeout(retryTimer); }
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, 2000);
  }
  function flush() {
    if (busy || retryTimer) { return; }
    if (!order.length) { show("ok", root.getAttribute("data-saved")); return; }
    var key = order.shift();
    var item = queue[key];
    delete queue[key];
    busy = true;
    fetch(item.url, {method: "POST", credentials: "same-origin",
                     headers: {"Content-Type": "application/json", "x-csrftoken": token},
                     body: JSON.stringify(item.body)})
      .then(function (response) {
        busy = false;
        if (response.ok) { fieldError(item.field, ""); flush(); return; }
        if (response.status >= 500 || response.status === 408 || response.status === 429) {
          if (!(key in queue)) { order.unshift(key); queue[key] = item; }
          retryLater();
          return;
        }
        response.json().catch(function () { return {}; }).then(function (body) {
          var detail = (body && body.detail) || String(response.status);
          fieldError(item.field, detail);
          show("error", root.getAttribute("data-refused").replace("{detail}", detail));
          if (order.length) { flush(); }
        });
      })
      .catch(function () {
        busy = false;
        if (!(key in queue)) { order.unshift(key); queue[key] = item; }
        retryLater();
      });
  }
  function later(key, fn, ms) {
    if (timers[key]) { clearTimeout(timers[key]); }
    timers[key] = setTimeout(function () { delete timers[key]; fn(); mark(); }, ms);
    mark();
  }

  // scores and comments
  function pointOf(node) { return node.closest(".point"); }
  function saveScore(input) {
    var point = pointOf(input);
    var value = input.value.trim();
    var body = {rubric: point.getAttribute("data-rubric"), indicator: point.getAttribute("data-indicator"),
                score: value === "" ? null : Number(value)};
    if (value !== "" && isNaN(body.score)) { body.score = value; }
    enqueue("s|" + body.rubric + "|" + body.indicator, base + "/save", body, input);
  }
  function saveComment(area) {
    var point = pointOf(area);
    var body = {rubric: point.getAttribute("data-rubric"), indicator: point.getAttribute("data-indicator"),
                comment: area.value};
    enqueue("c|" + body.rubric + "|" + body.indicator, base + "/save", body, area);
  }
  root.addEventListener("input", function (event) {
    var node = event.target;
    if (!editable || !node.classList) { return; }
    if (node.classList.contains("score-input")) { later("s" + node.name, function () { saveScore(node); }, 400); }
    if (node.classList.contains("comment-input")) { later("c" + node.name, function () { saveComment(node); }, 600); }
  });
  root.addEventListener("change", function (event) {
    var node = event.target;
    if (!editable || !node.classList) { return; }
    if (node.classList.contains("score-input")) { later("s" + node.name, function () { saveScore(node); }, 0); }
    if (node.classList.contains("comment-input")) { later("c" + node.name, function () { saveComment(node); }, 0); }
  });

  // time-stamped notes
  function newId() {
    if (window.crypto && window.crypto.getRandomValues) {
      var bytes = new Uint8Array(12);
      window.crypto.getRandomValues(bytes);
      return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
    }
    return String(Date.now()) + String(Math.random()).slice(2, 10);
  }
  function clock(t) {
    t = Math.max(0, Math.round(t));
    var m = Math.floor(t / 60), s = t % 60;
    return (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }
  function saveNote(item) {
    var input = item.querySelector(".note-text");
    var cid = item.getAttribute("data-cid");
    enqueue("n|" + cid, base + "/notes", {client_id: cid, t: parseFloat(item.getAttribute("data-time")),
                                           text: input.value}, input);
  }
  function addNote() {
    if (!editable || !notesList) { return; }
    var t = video ? (video.currentTime || 0) : 0;
    t = Math.round(t * 10) / 10;
    var item = document.createElement("li");
    item.className = "note-item";
    item.setAttribute("data-cid", newId());
    item.setAttribute("data-time", String(t));
    var time = document.createElement("button");
    time.type = "button"; time.className = "time"; time.setAttribute("data-t", String(t)); time.textContent = clock(t);
    var input = document.createElement("input");
    input.className = "note-text"; input.setAttribute("aria-label", root.getAttribute("data-note-label"));
    var del = document.createElement("button");
    del.type = "button"; del.className = "note-del"; del.textContent = "×";
    del.setAttribute("aria-label", root.getAttribute("data-delete-label"));
    item.appendChild(time); item.appendChild(input); item.appendChild(del);
    var after = null;
    Array.prototype.forEach.call(notesList.children, function (other) {
      if (!after && parseFloat(other.getAttribute("data-time")) > t) { after = other; }
    });
    notesList.insertBefore(item, after);
    saveNote(item);
    input.focus();
  }
  var addButton = document.getElementById("add-note");
  if (addButton) { addButton.addEventListener("click", addNote); }
  document.addEventListener("keydown", function (event) {
    var node = event.target;
    var typing = node && (node.tagName === "INPUT" || node.tagName === "TEXTAREA" || node.tagName === "SELECT" ||
                          node.isContentEditable);
    if (node && node.classList && node.classList.contains("note-text") && event.key === "Enter") {
      event.preventDefault();
      saveNote(node.closest(".note-item"));
      node.blur();
      return;
    }
    if (typing || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "n" || event.key === "N") { event.preventDefault(); addNote(); }
  });
  if (notesList) {
    notesList.addEventListener("input", function (event) {
      var item = event.target.closest(".note-item");
      if (item && editable) { later("n" + item.getAttribute("data-cid"), function () { saveNote(item); }, 600); }
    });
    notesList.addEventListener("click", function (event) {
      var del = event.target.closest(".note-del");
      if (!del || !editable) { return; }
      var item = del.closest(".note-item");
      var cid = item.getAttribute("data-cid");
      delete queue["n|" + cid];
      order = order.filter(function (k) { return k !== "n|" + cid; });
      enqueue("d|" + cid, base + "/notes/" + encodeURIComponent(cid) + "/delete", {}, null);
      item.parentNode.removeChild(item);
    });
  }

  // submitting waits for every save to be acknowledged
  var form = document.getElementById("submit-form");
  if (form) {
    form.addEventListener("submit", function (event) {
      Object.keys(timers).forEach(function (k) { clearTimeout(timers[k]); delete timers[k]; });
      Array.prototype.forEach.call(root.querySelectorAll(".score-input"), function (i) {
        if (i.value !== i.defaultValue) { saveScore(i); i.defaultValue = i.value; }
      });
      if (!pending()) { return; }
      event.preventDefault();
      var wait = setInterval(function () {
        if (!pending()) { clearInterval(wait); form.submit(); }
      }, 100);
    });
  }
  window.addEventListener("beforeunload", function (event) {
    if (pending() || Object.keys(timers).length) { event.preventDefault(); event.returnValue = ""; }
  });
})();
