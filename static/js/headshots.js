/* Headshot import page: polls the batch's JSON and updates each file's row until all are done.
 * Without JavaScript the page shows the state at load time; reloading shows the rest. */
(function () {
  "use strict";

  var root = document.getElementById("headshot-batch");
  if (!root) return;
  var url = root.getAttribute("data-status-url");
  var progress = document.getElementById("headshot-progress");
  var count = document.getElementById("headshot-count");
  var counts = document.getElementById("headshot-counts");
  var finished = document.getElementById("headshot-finished");
  var waiting = document.getElementById("headshot-waiting");
  // Poll often while files are settling; when nothing changes (no worker is taking the
  // queue, e.g. the broker is down) back off to every 30 s and say so, rather than asking
  // the server every second for as long as the page stays open.
  var FIRST = 1000, MOST = 30000, WAITING_AFTER = 15000;
  var delay = FIRST, lastState = null, lastChange = Date.now(), polls = 0;

  function link(href, text) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function fill(cell, href, text) {
    cell.textContent = "";
    if (href) cell.appendChild(link(href, text));
  }

  function update(data) {
    progress.max = data.total;
    progress.value = data.settled;
    progress.textContent = data.settled + " of " + data.total;
    count.textContent = data.settled + " of " + data.total + " files done";
    finished.textContent = data.finished ? ". Finished" : "";
    counts.textContent = Object.keys(data.counts).map(function (k) { return k + ": " + data.counts[k]; }).join(", ");
    data.items.forEach(function (item) {
      var row = root.querySelector('[data-item="' + item.id + '"]');
      if (!row) return;
      row.className = "headshot-item status-" + item.status;
      row.querySelector(".headshot-status").textContent = item.status_label;
      row.querySelector(".headshot-message").textContent = item.message;
      fill(row.querySelector(".headshot-officer"), item.officer_url, item.officer);
      fill(row.querySelector(".headshot-photo"), item.photo_url, "Photo");
    });
    root.setAttribute("data-finished", data.finished ? "true" : "false");
  }

  function schedule(ms) {
    root.setAttribute("data-next-poll", String(ms));
    window.setTimeout(poll, ms);
  }

  function changed(data) {
    var state = data.settled + "|" + data.items.map(function (i) { return i.status + ":" + i.message; }).join("|");
    if (state === lastState) return false;
    lastState = state;
    return true;
  }

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        update(data);
        if (changed(data)) {
          delay = FIRST;
          lastChange = Date.now();
        } else {
          delay = Math.min(delay * 2, MOST);
        }
        if (waiting) waiting.hidden = data.finished || Date.now() - lastChange < WAITING_AFTER;
        if (!data.finished) schedule(delay);
      })
      .catch(function () {
        delay = Math.min(delay * 2, MOST);  // the server is busy or away: back off, keep trying
        schedule(delay);
      })
      .then(function () {
        polls += 1;
        root.setAttribute("data-polls", String(polls));
      });
  }

  if (root.getAttribute("data-finished") !== "true") schedule(500);
})();
