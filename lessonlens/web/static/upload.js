// lessonlens platform: resumable uploads. The form's files go in chunks (PUT with Content-Range);
// after a lost connection the script asks the server where each file stands and carries on; after a
// closed tab, choosing the same files again resumes the same upload (remembered in localStorage).
// Without this script the form still posts everything in one request.
(function () {
  "use strict";
  var form = document.querySelector("form.upload[data-chunked]");
  if (!form || !window.fetch || !window.File || !File.prototype.slice) { return; }
  var bar = document.getElementById("upload-progress");
  var line = document.getElementById("upload-status");
  var token = (JSON.parse(document.body.getAttribute("hx-headers") || "{}"))["x-csrftoken"] || "";
  var roles = ["teacher", "students", "board", "mixed", "audio"];

  function headers(extra) {
    var h = {"x-csrftoken": token};
    for (var k in extra) { h[k] = extra[k]; }
    return h;
  }
  function base64(buffer) {
    var bytes = new Uint8Array(buffer), parts = [];
    for (var i = 0; i < bytes.length; i += 32768) {
      parts.push(String.fromCharCode.apply(null, bytes.subarray(i, i + 32768)));
    }
    return btoa(parts.join(""));
  }
  function say(text) { if (line) { line.textContent = text; } }
  function wait(ms) { return new Promise(function (r) { setTimeout(r, ms); }); }
  function json(response) {
    return response.json().then(function (body) {
      if (!response.ok) { var e = new Error(body.detail || response.status); e.status = response.status; e.body = body; throw e; }
      return body;
    });
  }
  function chosen() {
    var files = [];
    roles.forEach(function (role) {
      var input = form.querySelector("input[type=file][name=" + role + "]");
      if (input && input.files && input.files[0]) { files.push({role: role, file: input.files[0]}); }
    });
    return files;
  }
  function key(files) {
    return "lessonlens-upload:" + files.map(function (f) {
      return [f.role, f.file.name, f.file.size, f.file.lastModified].join("|");
    }).join(";");
  }
  function start(files) {
    var remembered = window.localStorage ? localStorage.getItem(key(files)) : null;
    var fresh = function () {
      var body = {files: files.map(function (f) { return {role: f.role, name: f.file.name, size: f.file.size}; })};
      ["title", "teacher_name", "subject", "grade", "date"].forEach(function (name) {
        var field = form.querySelector("[name=" + name + "]");
        body[name] = field ? field.value : "";
      });
      var rubric = form.querySelector("[name=rubric]");
      if (rubric) { body.rubric = rubric.value; }
      // the small files that come with the recordings travel in the announcement, checked at once
      var asText = ["layout", "lesson_yaml"].map(function (name) {
        var input = form.querySelector("input[type=file][name=" + name + "]");
        if (!input || !input.files || !input.files[0]) { return Promise.resolve(); }
        var file = input.files[0];
        return file.text().then(function (content) { body[name] = {name: file.name, text: content}; });
      });
      var sheets = form.querySelector("input[type=file][name=sheets]");
      var asData = Array.prototype.map.call(sheets && sheets.files ? sheets.files : [], function (file) {
        return file.arrayBuffer().then(function (buffer) { return {name: file.name, data: base64(buffer)}; });
      });
      return Promise.all(asText.concat([Promise.all(asData)])).then(function (done) {
        var data = done[done.length - 1];
        if (data.length) { body.sheets = data; }
        return fetch("/uploads", {method: "POST", headers: headers({"Content-Type": "application/json"}),
                                  body: JSON.stringify(body), credentials: "same-origin"});
      }).then(json)
        .then(function (made) {
          if (window.localStorage) { localStorage.setItem(key(files), made.id); }
          return {id: made.id, chunk: made.chunk, received: {}};
        });
    };
    if (!remembered) { return fresh(); }
    return fetch("/uploads/" + remembered, {credentials: "same-origin"}).then(json)
      .then(function (found) { return {id: found.id, chunk: 0, received: found.received}; }, fresh);
  }
  function send(upload, f, from, total, done) {
    var chunk = upload.chunk || 8 * 1024 * 1024;
    var offset = from;
    var failures = 0;
    function next() {
      if (offset >= f.file.size) { return Promise.resolve(); }
      var end = Math.min(offset + chunk, f.file.size);
      return fetch("/uploads/" + upload.id + "/" + f.role, {
        method: "PUT", body: f.file.slice(offset, end), credentials: "same-origin",
        headers: headers({"Content-Range": "bytes " + offset + "-" + (end - 1) + "/" + f.file.size})
      }).then(json).then(function (r) {
        failures = 0;
        offset = r.received;
        done(offset);
        return next();
      }, function (error) {
        if (error.status === 409 && error.body) { offset = error.body.received; return next(); }
        if (error.status && error.status < 500) { throw error; }
        failures += 1;  // the network or the server went away: ask where the file stands, then go on
        say(form.getAttribute("data-retrying") || "…");
        return wait(Math.min(30000, 1000 * Math.pow(2, failures))).then(function () {
          return fetch("/uploads/" + upload.id, {credentials: "same-origin"}).then(json)
            .then(function (found) { offset = found.received[f.role] || 0; }, function () {});
        }).then(next);
      });
    }
    return next();
  }
  form.addEventListener("submit", function (event) {
    var files = chosen();
    if (!files.length) { return; }  // the server says what is missing
    event.preventDefault();
    var total = files.reduce(function (n, f) { return n + f.file.size; }, 0);
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    if (bar) { bar.hidden = false; bar.max = total; bar.value = 0; }
    start(files).then(function (upload) {
      var before = 0;
      return files.reduce(function (chain, f) {
        return chain.then(function () {
          var base = before;
          before += f.file.size;
          return send(upload, f, upload.received[f.role] || 0, total, function (sent) {
            if (bar) { bar.value = base + sent; }
            say(Math.round(100 * (base + sent) / total) + "%");
          });
        });
      }, Promise.resolve()).then(function () {
        return fetch("/uploads/" + upload.id + "/finish", {method: "POST", headers: headers({}),
                                                           credentials: "same-origin"}).then(json);
      });
    }).then(function (made) {
      if (window.localStorage) { localStorage.removeItem(key(files)); }
      window.location.assign(made.url);
    }, function (error) {
      if (button) { button.disabled = false; }
      say(error.message || String(error));
    });
  });
})();
