// lessonlens reflection box on the lesson page: the text and the goals autosave as the teacher types
// (the whole box each time, the last save winning, one request at a time); a save that fails for the
// network or the server is retried every 2 s until acknowledged, a refused one (too long) is shown.
// The bar says "saved" only when nothing is waiting. The box arrives by htmx, so this binds on load
// and again after every htmx swap.
(function () {
  "use strict";
  var token = "";
  try { token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["x-csrftoken"] || ""; } catch (e) { token = ""; }

  function bind(root) {
    if (!root || root.getAttribute("data-bound") === "true" || root.getAttribute("data-editable") !== "true") { return; }
    root.setAttribute("data-bound", "true");
    var url = root.getAttribute("data-url");
    var text = root.querySelector("textarea[name=text]");
    var goals = root.querySelector("textarea[name=goals]");
    var status = root.querySelector(".save-status");
    var dirty = false, busy = false, timer = null, retry = null;

    function show(kind, message) {
      status.className = "save-status save " + kind;
      status.textContent = message;
      root.setAttribute("data-save-state", kind);
      root.setAttribute("data-pending", dirty || busy || timer ? "1" : "0");
    }
    function send() {
      timer = null;
      if (busy || retry || !dirty) { return; }
      dirty = false;
      busy = true;
      show("busy", root.getAttribute("data-saving"));
      fetch(url, {method: "POST", credentials: "same-origin",
                  headers: {"Content-Type": "application/json", "x-csrftoken": token},
                  body: JSON.stringify({text: text.value, goals: goals.value})})
        .then(function (response) {
          busy = false;
          if (response.ok) {
            if (dirty) { send(); } else { show("ok", root.getAttribute("data-saved")); }
            return;
          }
          if (response.status >= 500 || response.status === 408 || response.status === 429) { later(); return; }
          response.json().catch(function () { return {}; }).then(function (body) {
            show("error", (body && body.detail) || String(response.status));
          });
        })
        .catch(function () { busy = false; later(); });
    }
    function later() {
      dirty = true;
      show("retry", root.getAttribute("data-retry"));
      retry = setTimeout(function () { retry = null; send(); }, 2000);
    }
    function changed() {
      dirty = true;
      if (timer) { clearTimeout(timer); }
      timer = setTimeout(send, 500);
      show("busy", root.getAttribute("data-saving"));
    }
    text.addEventListener("input", changed);
    goals.addEventListener("input", changed);
    window.addEventListener("beforeunload", function (event) {
      if (dirty || busy || timer) { event.preventDefault(); event.returnValue = ""; }
    });
  }
  function bindAll() { bind(document.getElementById("reflection")); }
  document.addEventListener("DOMContentLoaded", bindAll);
  document.body.addEventListener("htmx:afterSwap", bindAll);
  bindAll();
}());
