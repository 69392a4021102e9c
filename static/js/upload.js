/* Upload page: a searchable department picker, drag and drop, one request per file with
 * its own progress bar and message. Without JavaScript the form posts the whole batch. */
(function () {
  "use strict";

  var form = document.getElementById("upload-form");
  if (!form) return;
  var config = JSON.parse(document.getElementById("upload-config").textContent);
  var select = document.getElementById("id_department");
  var filter = document.getElementById("department-filter");
  var count = document.getElementById("department-count");
  var notice = document.getElementById("department-notice");
  var input = document.getElementById("id_photos");
  var dropzone = document.getElementById("dropzone");
  var button = document.getElementById("upload-button");
  var results = document.getElementById("results");
  var list = document.getElementById("upload-results");
  var summary = document.getElementById("upload-summary");

  document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });

  /* --- Department picker: filter an optgroup'd select by name or state ------------- */
  var groups = Array.prototype.map.call(select.querySelectorAll("optgroup"), function (group) {
    return {
      label: group.label,
      options: Array.prototype.map.call(group.querySelectorAll("option"), function (o) {
        return { value: o.value, text: o.textContent };
      })
    };
  });
  var total = groups.reduce(function (n, g) { return n + g.options.length; }, 0);

  function rebuild(query) {
    var words = query.toLowerCase().split(/\s+/).filter(Boolean);
    var current = select.value;
    var shown = 0;
    select.textContent = "";
    groups.forEach(function (group) {
      var haystackGroup = group.label.toLowerCase();
      var matching = group.options.filter(function (o) {
        var hay = haystackGroup + " " + o.text.toLowerCase();
        return words.every(function (w) { return hay.indexOf(w) !== -1; });
      });
      if (!matching.length) return;
      var og = document.createElement("optgroup");
      og.label = group.label;
      matching.forEach(function (o) {
        var opt = new Option(o.text, o.value, false, o.value === current);
        og.appendChild(opt);
      });
      select.appendChild(og);
      shown += matching.length;
    });
    var noun = function (n) { return n === 1 ? " department" : " departments"; };
    count.textContent = query ? shown + " of " + total + noun(total) + " match." : total + noun(total) + ".";
    if (shown === 1) { select.value = select.querySelector("option").value; showNotice(); }
  }

  function showNotice() {
    var dept = config.departments[select.value];
    if (!dept) {
      notice.textContent = "Choose a department to see whether facial recognition is used for it.";
      notice.classList.remove("warn");
      return;
    }
    if (dept.recognition) {
      notice.textContent = dept.name + ": faces will be compared with the officer gallery of departments " +
        "that allow it. Any match is only a suggestion until a volunteer confirms it.";
      notice.classList.remove("warn");
    } else {
      notice.textContent = dept.name + ": no facial recognition is used for this jurisdiction." +
        (dept.rule ? " State law (" + dept.state + "): " + dept.rule : "");
      notice.classList.add("warn");
    }
  }

  filter.addEventListener("input", function () { rebuild(filter.value.trim()); });
  filter.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown") { e.preventDefault(); select.focus(); }
    if (e.key === "Enter") { e.preventDefault(); select.focus(); }
  });
  select.addEventListener("change", showNotice);
  rebuild("");
  showNotice();

  /* --- Drag and drop onto the file field ---------------------------------------------- */
  ["dragenter", "dragover"].forEach(function (type) {
    dropzone.addEventListener(type, function (e) { e.preventDefault(); dropzone.classList.add("dragging"); });
  });
  ["dragleave", "drop"].forEach(function (type) {
    dropzone.addEventListener(type, function () { dropzone.classList.remove("dragging"); });
  });
  dropzone.addEventListener("drop", function (e) {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) input.files = e.dataTransfer.files;
  });

  /* --- One request per file --------------------------------------------------------- */
  function size(bytes) {
    return bytes >= 1048576 ? (bytes / 1048576).toFixed(1).replace(/\.0$/, "") + " MB" : Math.ceil(bytes / 1024) + " KB";
  }

  function csrfToken() { return form.querySelector("input[name=csrfmiddlewaretoken]").value; }

  function itemFor(file) {
    var li = document.createElement("li");
    li.className = "upload-item";
    var name = document.createElement("span");
    name.className = "file-name";
    name.textContent = file.name;
    var progress = document.createElement("progress");
    progress.max = 100;
    progress.value = 0;
    progress.setAttribute("aria-label", "Upload progress of " + file.name);
    var message = document.createElement("span");
    message.className = "file-message";
    message.textContent = "Waiting…";
    li.append(name, progress, message);
    list.appendChild(li);
    return { li: li, progress: progress, message: message };
  }

  function finish(item, result) {
    item.li.classList.add(result.ok ? "ok" : "failed");
    item.li.dataset.code = result.code || "";
    item.message.textContent = result.message;
    item.progress.value = 100;
    if (result.url) {
      var link = document.createElement("a");
      link.href = result.url;
      link.textContent = result.code === "duplicate" ? "See the existing photo" : "View the photo";
      item.li.appendChild(link);
    }
    return result;
  }

  function send(file, item) {
    return new Promise(function (resolve) {
      if (file.size > config.max_bytes) {
        resolve(finish(item, { ok: false, code: "too_large", message: "This file is " + size(file.size) +
          "; the largest we accept is " + size(config.max_bytes) + "." }));
        return;
      }
      var data = new FormData();
      data.append("department", select.value);
      data.append("photos", file, file.name);
      var email = document.getElementById("id_notify_email");
      if (email && email.value) data.append("notify_email", email.value);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.setRequestHeader("X-CSRFToken", csrfToken());
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) item.progress.value = Math.round((e.loaded / e.total) * 95);
      });
      item.message.textContent = "Uploading…";
      xhr.addEventListener("load", function () {
        var body = {};
        try { body = JSON.parse(xhr.responseText); } catch (err) { body = {}; }
        if (body.results && body.results.length) { resolve(finish(item, body.results[0])); return; }
        var message = body.error || "The upload failed (error " + xhr.status + "). Please try again.";
        if (body.errors) message = Object.keys(body.errors).map(function (k) { return body.errors[k].join(" "); }).join(" ");
        resolve(finish(item, { ok: false, code: "http_" + xhr.status, message: message }));
      });
      xhr.addEventListener("error", function () {
        resolve(finish(item, { ok: false, code: "network", message: "The connection failed. Please try again." }));
      });
      xhr.send(data);
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    if (!select.value) {
      notice.textContent = "Choose the department whose officers appear in the photos.";
      notice.classList.add("warn");
      (filter.offsetParent ? filter : select).focus();
      return;
    }
    var files = Array.prototype.slice.call(input.files || []);
    if (!files.length) { input.focus(); summary.textContent = "Choose at least one photo."; results.hidden = false; return; }
    if (files.length > config.max_files) {
      results.hidden = false;
      summary.textContent = "Upload at most " + config.max_files + " photos at a time.";
      return;
    }
    results.hidden = false;
    list.textContent = "";
    button.disabled = true;
    summary.textContent = "Uploading " + files.length + " photo(s)…";
    var items = files.map(itemFor);
    var outcomes = [];
    files.reduce(function (chain, file, i) {
      return chain.then(function () { return send(file, items[i]).then(function (r) { outcomes.push(r); }); });
    }, Promise.resolve()).then(function () {
      var ok = outcomes.filter(function (r) { return r.ok; }).length;
      summary.textContent = ok + " of " + files.length + " uploaded." +
        (ok < files.length ? " See the messages next to each file." : "");
      button.disabled = false;
      input.value = "";
      document.getElementById("results-heading").focus();
    });
  });
})();
