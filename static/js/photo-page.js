/* Photo page: live status (polls status.json, no reload), the faces list with suggestions,
 * and the box editor's network calls. Data comes from json_script#photo-data. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("photo-data").textContent);
  var statusLabel = document.getElementById("status-label");
  var statusError = document.getElementById("status-error");
  var notice = document.getElementById("recognition-notice");
  var img = document.getElementById("photo-img");
  var list = document.getElementById("face-list");
  var csrf = document.querySelector("#csrf-form input[name=csrfmiddlewaretoken]").value;
  var timer = null;
  var lastJson = "";
  var settledPolls = 0;

  document.querySelectorAll(".js-only").forEach(function (el) { el.hidden = false; });

  function el(tagName, className, text) {
    var node = document.createElement(tagName);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function link(href, text) { var a = el("a", "", text); a.href = href; return a; }

  function thumb(src, size) {
    var image = el("img", "thumb");
    image.src = src; image.alt = ""; image.width = size; image.height = size;
    return image;
  }

  function faceItem(face) {
    var li = el("li", "face-item");
    li.id = "face-" + face.id;
    var h3 = el("h3", "", "Face " + face.number + " ");
    h3.appendChild(el("small", "", "— " + (face.source === "user" ? "drawn by a person" : "found automatically") +
      (face.editable ? " (you can change it)" : "")));
    li.appendChild(h3);
    if (face.officer) {
      var p = el("p", "officer-line");
      if (face.crop_url) p.appendChild(thumb(face.crop_url, 48));
      p.append("Officer ", link(face.officer.url, face.officer.name), ", badge #" + face.officer.badge + " — confirmed by a volunteer.");
      li.appendChild(p);
    }
    if (face.state) li.appendChild(el("p", "face-state", face.state));
    if (list.dataset.reportUrl) {  // the same "Report a problem" link the server renders
      var report = el("p", "face-report");
      var reportLink = link(list.dataset.reportUrl + "?face=" + face.id, "Report a problem");
      reportLink.appendChild(el("span", "visually-hidden", " with face " + face.number));
      report.appendChild(reportLink);
      li.appendChild(report);
    }
    if (face.suggestions.length) {
      var ul = el("ul", "suggestions");
      face.suggestions.forEach(function (s) {
        var item = el("li", "suggestion");
        if (s.officer.photo_url) item.appendChild(thumb(s.officer.photo_url, 56));
        var body = el("div");
        body.appendChild(el("p", "wording", s.wording));
        body.append(link(s.officer.url, s.officer.name), ", badge #" + s.officer.badge +
          (s.officer.rank ? " · " + s.officer.rank : "") + " · " + s.officer.department + " ");
        var conf = s.confidence.charAt(0).toUpperCase() + s.confidence.slice(1);
        body.appendChild(el("span", "confidence", conf + " (distance " + s.distance + ")"));
        item.appendChild(body);
        ul.appendChild(item);
      });
      li.appendChild(ul);
    }
    return li;
  }

  function render() {
    statusLabel.textContent = data.status_label;
    statusLabel.className = "badge status-" + data.status;
    statusError.textContent = data.error || "";
    document.body.dataset.photoStatus = data.status;
    notice.textContent = data.recognition.text;
    notice.classList.toggle("warn", !data.recognition.allowed);
    if (img.getAttribute("src") !== data.public_url) img.src = data.public_url;
    list.textContent = "";
    if (!data.faces.length) {
      list.appendChild(el("li", "empty", data.pending ? "No faces yet — still looking." :
        "No faces found. You can draw a box around a face."));
    }
    data.faces.forEach(function (face) { list.appendChild(faceItem(face)); });
    editor.setFaces(data.faces);
  }

  function poll() {
    timer = null;
    fetch(data.urls.status, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("status " + r.status); return r.text(); })
      .then(function (text) {
        if (text !== lastJson) { lastJson = text; data = JSON.parse(text); render(); }
        // Keep polling while work is pending, then a few more times for late suggestions.
        settledPolls = data.pending ? 0 : settledPolls + 1;
        if (settledPolls < 3) schedule(data.pending ? 1500 : 3000);
      })
      .catch(function () { schedule(5000); });
  }

  function schedule(ms) { if (!timer) timer = window.setTimeout(poll, ms); }
  function refresh() { if (timer) { window.clearTimeout(timer); timer = null; } settledPolls = 0; poll(); }

  function post(url, fields) {
    var body = new URLSearchParams();
    Object.keys(fields || {}).forEach(function (k) { body.append(k, fields[k]); });
    return fetch(url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": csrf }
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (json) {
        if (!r.ok) throw new Error(json.error || "error " + r.status);
        return json;
      });
    });
  }

  function faceById(id) { return data.faces.filter(function (f) { return f.id === id; })[0]; }

  var editor = new window.BoxEditor({
    layer: document.getElementById("box-layer"),
    width: data.width,
    height: data.height,
    status: document.getElementById("editor-status"),
    controls: {
      draw: document.getElementById("draw-toggle"),
      add: document.getElementById("add-box"),
      submit: document.getElementById("submit-box"),
      cancel: document.getElementById("cancel-box"),
      del: document.getElementById("delete-box")
    },
    onSubmit: function (box, id) {
      var url = id ? faceById(id).update_url : data.urls.face_create;
      return post(url, box).then(function (r) { refresh(); return r; });
    },
    onDelete: function (id) {
      return post(faceById(id).delete_url).then(function (r) { refresh(); return r; });
    }
  });

  render();
  schedule(data.pending ? 1000 : 3000);
})();
