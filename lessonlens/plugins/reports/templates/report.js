// lessonlens report: clicking a chart point, a finding's time or a note seeks the lesson video.
(function () {
  "use strict";
  var video = document.getElementById("lesson-video");
  var status = document.getElementById("seek-status");
  var template = document.body.getAttribute("data-seek-label") || "{t}";
  function clock(t) {
    t = Math.max(0, Math.round(t));
    var m = Math.floor(t / 60), s = t % 60;
    return (m < 10 ? "0" : "") + m + ":" + (s < 10 ? "0" : "") + s;
  }
  function seek(t) {
    if (status) {
      status.textContent = template.replace("{t}", clock(t));
      var line = status.closest(".status-line");
      if (line) { line.classList.add("shown"); }
    }
    if (!video) { return; }
    video.parentNode.classList.remove("min");
    video.currentTime = t;
    var playing = video.play();
    if (playing && playing.catch) { playing.catch(function () { /* autoplay refused: seeking is enough */ }); }
  }
  function target(event) {
    var node = event.target;
    return node && node.closest ? node.closest("[data-t]") : null;
  }
  // hover values: the charts' SVG <title>s (kept for print and no-script viewers) become an instant tooltip
  var tip = document.createElement("div");
  tip.className = "tip";
  tip.setAttribute("role", "tooltip");
  document.body.appendChild(tip);
  Array.prototype.forEach.call(document.querySelectorAll("svg.chart title"), function (node) {
    var owner = node.parentNode;
    owner.setAttribute("data-tip", node.textContent);
    if (!owner.hasAttribute("aria-label")) { owner.setAttribute("aria-label", node.textContent); }
    owner.removeChild(node);
  });
  document.addEventListener("mouseover", function (event) {
    var node = event.target && event.target.closest ? event.target.closest("[data-tip]") : null;
    if (!node) { tip.classList.remove("shown"); return; }
    tip.textContent = node.getAttribute("data-tip");
    tip.classList.add("shown");
  });
  document.addEventListener("mousemove", function (event) {
    var x = Math.min(event.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    tip.style.left = x + "px";
    tip.style.top = (event.clientY + 16) + "px";
  });
  var toggle = document.querySelector(".dock-toggle");
  if (toggle && video) {
    toggle.addEventListener("click", function () { video.parentNode.classList.toggle("min"); });
  }
  document.addEventListener("click", function (event) {
    var node = target(event);
    if (!node) { return; }
    event.preventDefault();
    seek(parseFloat(node.getAttribute("data-t")));
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Enter" && event.key !== " ") { return; }
    var node = target(event);
    if (!node) { return; }
    event.preventDefault();
    seek(parseFloat(node.getAttribute("data-t")));
  });
})();
