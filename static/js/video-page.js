/* Video page: live progress (polls status.json with backoff, no reload), the player once the
 * public rendition exists, and the timeline: choosing a face seeks the player to its first
 * appearance and draws a box over it, interpolated along its track as the video plays.
 * Data comes from json_script#video-data; without JavaScript the page works with a reload link. */
(function () {
  "use strict";

  var data = JSON.parse(document.getElementById("video-data").textContent);
  var statusLabel = document.getElementById("status-label");
  var statusError = document.getElementById("status-error");
  var progressBlock = document.getElementById("progress-block");
  var progress = document.getElementById("video-progress");
  var progressText = document.getElementById("progress-text");
  var reloadLine = document.getElementById("reload-line");
  var stage = document.getElementById("video-stage");
  var player = document.getElementById("player");
  var placeholder = document.getElementById("video-placeholder");
  var highlight = document.getElementById("video-highlight");
  var list = document.getElementById("sequence-list");
  var lastJson = "";
  var delay = 1500;
  var active = null;  // the chosen sequence
  var GAP = 1.0;  // seconds: a longer gap between track rows is a join (see boxAt)
  var HOLD = 0.25;  // seconds the box stays before the first and after the last detection

  function el(tagName, className, text) {
    var node = document.createElement(tagName);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function sequenceItem(s) {
    var li = el("li", "sequence-item");
    li.id = "sequence-" + s.number;
    if (active && active.number === s.number) li.classList.add("active");
    var a = el("a", "sequence-link");
    a.href = data.public_url ? data.public_url + "#t=" + s.first_time : "#sequence-" + s.number;
    a.dataset.number = s.number;
    if (s.thumb_url) {
      var img = el("img", "thumb sequence-thumb");
      img.src = s.thumb_url; img.alt = ""; img.width = 56; img.height = 56;
      a.appendChild(img);
    } else {
      var ph = el("span", "sequence-thumb placeholder");
      ph.setAttribute("aria-hidden", "true");
      a.appendChild(ph);
    }
    var text = el("span", "sequence-text");
    text.appendChild(el("strong", "", "Face " + s.number));
    text.appendChild(el("span", "sequence-times", s.first_clock + " – " + s.last_clock + " · " + s.frame_count +
      (s.frame_count === 1 ? " frame" : " frames")));
    text.appendChild(el("span", "sequence-state", s.officer ? "Officer " + s.officer.name + ", badge #" + s.officer.badge : s.status_label));
    a.appendChild(text);
    li.appendChild(a);
    if (s.officer) {
      var officer = el("a", "sequence-officer", "Officer's page");
      officer.href = s.officer.url;
      li.appendChild(officer);
    }
    return li;
  }

  function render() {
    statusLabel.textContent = data.status_label;
    statusLabel.className = "badge status-" + data.status;
    statusError.textContent = data.error || "";
    document.body.dataset.videoStatus = data.status;
    var p = data.progress;
    var working = data.status === "queued" || data.status === "processing";
    progressBlock.hidden = !working;
    progress.max = p.frames_total || 1;
    progress.value = p.frames_done;
    progress.textContent = p.percent + "%";
    progressText.textContent = p.frames_total ?
      p.frames_done + " of " + p.frames_total + " frames (" + p.percent + "%)" : "Starting…";
    reloadLine.hidden = true;  // this script keeps the page current
    if (data.public_url && player.getAttribute("src") !== data.public_url) {
      if (data.poster_url) player.poster = data.poster_url;
      player.src = data.public_url;
    }
    stage.hidden = !data.public_url;
    placeholder.hidden = !!data.public_url;
    if (data.status === "failed") placeholder.textContent = "This video could not be processed, so there is no public version.";
    if (active) {
      active = data.sequences.filter(function (s) { return s.number === active.number; })[0] || null;
    }
    list.textContent = "";
    if (!data.sequences.length) {
      list.appendChild(el("li", "empty", data.pending ? "No faces yet — still looking." : "No faces were found in this video."));
    }
    data.sequences.forEach(function (s) { list.appendChild(sequenceItem(s)); });
    drawHighlight();
  }

  function poll() {
    fetch(data.urls.status, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (r) { if (!r.ok) throw new Error("status " + r.status); return r.text(); })
      .then(function (text) {
        if (text !== lastJson) { lastJson = text; data = JSON.parse(text); render(); delay = 1500; }
        else { delay = Math.min(delay * 1.5, 15000); }  // nothing new: ask less often
        if (data.pending) window.setTimeout(poll, delay);
      })
      .catch(function () { delay = Math.min(delay * 2, 30000); window.setTimeout(poll, delay); });
  }

  /* The box at time t: linear between the two track rows around it, none outside the sequence. */
  function boxAt(track, t) {
    if (!track.length || t < track[0][0] - HOLD || t > track[track.length - 1][0] + HOLD) return null;
    if (t <= track[0][0]) return track[0].slice(1);
    for (var i = 1; i < track.length; i++) {
      var b = track[i];
      if (t <= b[0]) {
        var a = track[i - 1];
        var span = b[0] - a[0];
        // Rows further apart than the tracker's gap (VIDEO_TRACK_MAX_GAP_SECONDS, 1 s) are sequences
        // joined by descriptor: hold the box at each part's end instead of sliding it across.
        if (span > GAP) return t - a[0] <= HOLD ? a.slice(1) : (b[0] - t <= HOLD ? b.slice(1) : null);
        var k = span > 0 ? (t - a[0]) / span : 0;
        return [1, 2, 3, 4].map(function (j) { return a[j] + (b[j] - a[j]) * k; });
      }
    }
    return track[track.length - 1].slice(1);
  }

  function drawHighlight() {
    var box = active && !stage.hidden ? boxAt(active.track, player.currentTime) : null;
    if (!box || !data.width || !data.height) { highlight.hidden = true; return; }
    // In percent of the video's own size: the overlay scales with the player.
    highlight.style.left = (100 * box[0] / data.width) + "%";
    highlight.style.top = (100 * box[1] / data.height) + "%";
    highlight.style.width = (100 * box[2] / data.width) + "%";
    highlight.style.height = (100 * box[3] / data.height) + "%";
    highlight.hidden = false;
  }

  function follow() {
    drawHighlight();
    if (!player.paused && !player.ended) window.requestAnimationFrame(follow);
  }

  list.addEventListener("click", function (event) {
    var link = event.target.closest(".sequence-link");
    if (!link) return;
    var number = Number(link.dataset.number);
    var s = data.sequences.filter(function (x) { return x.number === number; })[0];
    if (!s) return;
    event.preventDefault();
    active = s;
    list.querySelectorAll(".sequence-item").forEach(function (li) {
      li.classList.toggle("active", li.id === "sequence-" + number);
    });
    if (!data.public_url) return;
    var seek = function () { player.currentTime = s.first_time; drawHighlight(); };
    if (player.readyState >= 1) seek(); else player.addEventListener("loadedmetadata", seek, { once: true });
    stage.scrollIntoView({ block: "nearest", behavior: "smooth" });
    player.focus();
  });

  player.addEventListener("timeupdate", drawHighlight);
  player.addEventListener("seeked", drawHighlight);
  player.addEventListener("play", function () { window.requestAnimationFrame(follow); });

  render();
  if (data.pending) window.setTimeout(poll, delay);
}());
