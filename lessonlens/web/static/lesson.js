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
// forms that need a confirmation (deleting a lesson) say so in data-confirm (no inline handlers: CSP)
document.addEventListener("submit", function (event) {
  "use strict";
  var form = event.target;
  if (form && form.getAttribute && form.getAttribute("data-confirm") && !window.confirm(form.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});
