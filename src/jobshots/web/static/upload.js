// "Add photos": each file goes up over tus, resuming from the server's offset after a cut.
(function () {
  "use strict";
  var form = document.querySelector("form.uploader");
  if (!form) return;
  var job = form.dataset.job;
  var list = form.querySelector("ul.uploads");
  var CHUNK = 4 * 1024 * 1024;
  var RETRIES = [1000, 3000, 5000, 10000, 20000];

  function token() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function base64(text) {
    return btoa(unescape(encodeURIComponent(text)));
  }

  // The same file picked again (after a reload, or a retry) gets the same key: never a duplicate.
  function clientKey(file, photoType) {
    var print = ["jobshots-upload", job, photoType, file.name, file.size, file.lastModified].join("|");
    var key = localStorage.getItem(print);
    if (!key) {
      key = "web-" + crypto.randomUUID();
      localStorage.setItem(print, key);
    }
    return { print: print, key: key };
  }

  function request(method, url, headers, body, onProgress) {
    return new Promise(function (resolve, reject) {
      var xhr = new XMLHttpRequest();
      xhr.open(method, url);
      xhr.setRequestHeader("Tus-Resumable", "1.0.0");
      xhr.setRequestHeader("X-CSRF-Token", token());
      Object.keys(headers).forEach(function (name) { xhr.setRequestHeader(name, headers[name]); });
      if (onProgress) xhr.upload.onprogress = function (event) { onProgress(event.loaded); };
      xhr.onload = function () { resolve(xhr); };
      xhr.onerror = function () { reject(new Error("The connection dropped.")); };
      xhr.send(body);
    });
  }

  function problem(xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      var said = [body.error || "The upload was refused."];
      Object.values(body.fields || {}).flat().forEach(function (text) {
        if (said.indexOf(text) < 0) said.push(text);
      });
      return said.join(" ");
    } catch (error) {
      return "The upload was refused (" + xhr.status + ").";
    }
  }

  function row(file) {
    var item = document.createElement("li");
    var name = document.createElement("span");
    name.textContent = file.name;
    var state = document.createElement("span");
    state.className = "state";
    state.textContent = "Waiting";
    var bar = document.createElement("progress");
    bar.max = file.size || 1;
    bar.value = 0;
    bar.setAttribute("aria-label", "Upload of " + file.name);
    item.append(name, state, bar);
    list.append(item);
    return {
      progress: function (sent) { bar.value = sent; state.textContent = Math.floor((100 * sent) / (file.size || 1)) + "%"; },
      say: function (text, kind) { state.textContent = text; state.className = "state " + (kind || ""); },
      item: item,
    };
  }

  function sleep(ms) { return new Promise(function (resolve) { setTimeout(resolve, ms); }); }

  async function upload(file, photoType, shown) {
    var named = clientKey(file, photoType);
    var metadata = ["filename " + base64(file.name), "photo_type " + base64(photoType),
      "client_key " + base64(named.key)].join(",");
    var created = await request("POST", "/tus/jobs/" + job + "/photos",
      { "Upload-Length": String(file.size), "Upload-Metadata": metadata }, null);
    if (created.status !== 201) throw new Error(problem(created));
    var url = created.getResponseHeader("Location");
    var offset = Number(created.getResponseHeader("Upload-Offset") || 0);
    var failures = 0;
    while (offset < file.size) {
      shown.progress(offset);
      try {
        var start = offset;
        var sent = await request("PATCH", url,
          { "Upload-Offset": String(offset), "Content-Type": "application/offset+octet-stream" },
          file.slice(offset, Math.min(offset + CHUNK, file.size)),
          function (loaded) { shown.progress(start + loaded); });
        if (sent.status === 204) {
          offset = Number(sent.getResponseHeader("Upload-Offset"));
          failures = 0;
          continue;
        }
        if (sent.status !== 409 && sent.status < 500) throw new Error(problem(sent));
      } catch (error) {
        if (!(error instanceof Error) || error.message !== "The connection dropped.") throw error;
      }
      // Cut off or busy: wait, ask the server how far it got, and carry on from there.
      if (failures >= RETRIES.length) throw new Error("The connection keeps dropping. Try again later.");
      shown.say("Connection lost, resuming…", "");
      await sleep(RETRIES[failures++]);
      try {
        var head = await request("HEAD", url, {}, null);
        if (head.status === 200) offset = Number(head.getResponseHeader("Upload-Offset"));
        else if (head.status === 404) throw new Error("The upload expired. Add the file again.");
      } catch (error) {
        if (error.message !== "The connection dropped.") throw error;
      }
    }
    localStorage.removeItem(named.print);
    shown.progress(file.size);
    shown.say("Uploaded", "done");
  }

  async function send(files) {
    var photoType = form.querySelector("#upload-type").value;
    var rows = Array.from(files).map(function (file) { return [file, row(file)]; });
    // One file at a time: a phone's upload link is the bottleneck, and order is kept.
    for (var i = 0; i < rows.length; i++) {
      try {
        await upload(rows[i][0], photoType, rows[i][1]);
      } catch (error) {
        rows[i][1].say(error.message, "failed");
      }
    }
    document.dispatchEvent(new CustomEvent("jobshots:uploaded"));
  }

  form.querySelectorAll("input[type=file]").forEach(function (input) {
    input.addEventListener("change", function () {
      if (input.files.length) send(input.files);
      input.value = "";
    });
  });
  form.addEventListener("dragover", function (event) { event.preventDefault(); form.classList.add("dragging"); });
  form.addEventListener("dragleave", function () { form.classList.remove("dragging"); });
  form.addEventListener("drop", function (event) {
    event.preventDefault();
    form.classList.remove("dragging");
    if (event.dataTransfer.files.length) send(event.dataTransfer.files);
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); });
})();
