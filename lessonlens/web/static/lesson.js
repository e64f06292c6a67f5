// lessonlens platform: switch the camera the player shows, keeping the time (seeking is report.js's).
(function () {
  "use strict";
  var video = document.getElementById("lesson-video");
  if (!video) { return; }
  document.addEventListener("click", function (event) {
    var button = event.target && event.target.closest ? event.target.closest("[data-camera]") : null;
    if (!button) { return; }
    var t = video.currentTime, playing = !video.paused;
    video.src = button.getAttribute("data-camera");
    video.addEventListener("loadedmetadata", function once() {
      video.removeEventListener("loadedmetadata", once);
      video.currentTime = t;
      if (playing) { var p = video.play(); if (p && p.catch) { p.catch(function () {}); } }
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-camera]"), function (b) {
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
  });
})();
// the transcript line being said is marked as the video plays (clicking a line seeks: report.js)
(function () {
  "use strict";
  var video = document.getElementById("lesson-video");
  var list = document.getElementById("transcript");
  if (!video || !list) { return; }
  var lines = Array.prototype.slice.call(list.querySelectorAll("button[data-t]"));
  var current = null;
  video.addEventListener("timeupdate", function () {
    var t = video.currentTime, found = null;
    for (var i = 0; i < lines.length && parseFloat(lines[i].getAttribute("data-t")) <= t + 0.05; i++) {
      found = lines[i];
    }
    if (found === current) { return; }
    if (current) { current.removeAttribute("aria-current"); }
    current = found;
    if (current) {
      current.setAttribute("aria-current", "true");
      var top = current.offsetTop - list.offsetTop;
      if (top < list.scrollTop || top > list.scrollTop + list.clientHeight - current.offsetHeight) {
        list.scrollTop = Math.max(0, top - list.clientHeight / 3);
      }
    }
  });
})();
// forms that need a confirmation (deleting a lesson) say so in data-confirm (no inline handlers: CSP)
document.addEventListener("submit", function (event) {
  "use strict";
  var form = event.target;
  if (form && form.getAttribute && form.getAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
