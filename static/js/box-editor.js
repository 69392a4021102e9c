/* Box editor: draw, move and resize face boxes over a photo with mouse, touch or keyboard.
 *
 * Boxes are kept in photo pixels and placed in percent, so they follow the photo at any
 * width. Pointer events cover mouse, pen and touch alike. The editor owns the box layer;
 * photo-page.js feeds it the faces (setFaces) and does the network calls (onSubmit, onDelete).
 */
(function () {
  "use strict";
  var MIN = 8;

  function BoxEditor(opts) {
    var layer = opts.layer, W = opts.width, H = opts.height, c = opts.controls, status = opts.status;
    var faces = [];
    var drawing = false;
    var edit = null;   // the box being drawn or changed: {id (null: new), x, y, w, h, dirty}
    var editEl = null;
    var drag = null;   // {kind: "draw" | "move" | "resize", corner, p0, start}
    var busy = false;

    function say(text) { status.textContent = text; }

    function clamp(b) {
      var w = Math.max(MIN, Math.min(Math.round(b.w), W)), h = Math.max(MIN, Math.min(Math.round(b.h), H));
      return { x: Math.max(0, Math.min(Math.round(b.x), W - w)), y: Math.max(0, Math.min(Math.round(b.y), H - h)), w: w, h: h };
    }

    function toImage(e) {
      var r = layer.getBoundingClientRect();
      return {
        x: Math.max(0, Math.min(W, ((e.clientX - r.left) / r.width) * W)),
        y: Math.max(0, Math.min(H, ((e.clientY - r.top) / r.height) * H))
      };
    }

    function place(el, b) {
      el.style.left = (b.x / W) * 100 + "%";
      el.style.top = (b.y / H) * 100 + "%";
      el.style.width = (b.w / W) * 100 + "%";
      el.style.height = (b.h / H) * 100 + "%";
    }

    function describe(b) { return "at " + b.x + ", " + b.y + ", " + b.w + " by " + b.h + " pixels"; }

    function tag(el, text) {
      var label = document.createElement("span");
      label.className = "box-label";
      label.textContent = text;
      el.appendChild(label);
    }

    function buildEditEl() {
      var el = document.createElement("div");
      el.className = "box editing";
      el.tabIndex = 0;
      el.setAttribute("role", "group");
      el.setAttribute("aria-roledescription", "face box");
      el.setAttribute("aria-label", (edit.id ? "Your box, being changed, " : "New box ") + describe(edit) +
        ". Arrow keys move it, Shift and arrow keys resize it, Enter submits, Escape cancels.");
      tag(el, edit.id ? "editing" : "new");
      ["nw", "ne", "sw", "se"].forEach(function (corner) {
        var handle = document.createElement("span");
        handle.className = "handle " + corner;
        handle.addEventListener("pointerdown", function (e) { startDrag(e, "resize", corner); });
        el.appendChild(handle);
      });
      el.addEventListener("pointerdown", function (e) { startDrag(e, "move"); });
      el.addEventListener("keydown", onKey);
      place(el, edit);
      return el;
    }

    function render() {
      var hadFocus = editEl && document.activeElement === editEl;
      layer.textContent = "";
      faces.forEach(function (f) {
        if (edit && edit.id === f.id) return;
        var el = document.createElement("div");
        el.className = "box" + (f.officer ? " officer" : "") + (f.source === "user" ? " user" : "") + (f.editable ? " own" : "");
        el.dataset.faceId = f.id;
        tag(el, String(f.number));
        if (f.editable) {
          el.tabIndex = 0;
          el.setAttribute("role", "button");
          el.setAttribute("aria-label", "Box " + f.number + ", drawn by you. Press Enter to move, resize or delete it.");
          el.addEventListener("pointerdown", function (e) { select(f); startDrag(e, "move"); });
          el.addEventListener("keydown", function (e) {
            if (e.key === "Enter" || e.key === " ") { e.preventDefault(); select(f); editEl.focus(); }
          });
        } else {
          el.setAttribute("aria-hidden", "true");
        }
        place(el, f);
        layer.appendChild(el);
      });
      editEl = edit ? buildEditEl() : null;
      if (editEl) layer.appendChild(editEl);
      if (hadFocus && editEl) editEl.focus();
      controls();
    }

    function controls() {
      c.submit.disabled = busy || !edit || (edit.id !== null && !edit.dirty);
      c.submit.textContent = edit && edit.id ? "Save box" : "Submit box";
      c.cancel.disabled = busy || !edit;
      c.del.disabled = busy || !edit || edit.id === null;
      c.draw.setAttribute("aria-pressed", drawing ? "true" : "false");
      layer.classList.toggle("drawing", drawing);
      layer.classList.toggle("has-edit", !!edit);
    }

    function select(f) {
      edit = { id: f.id, x: f.x, y: f.y, w: f.w, h: f.h, dirty: false };
      drawing = false;
      render();
      say("Box " + f.number + " selected: drag it or use the arrow keys, then save or delete it.");
    }

    function startDrag(e, kind, corner) {
      if (busy || (kind !== "draw" && !edit)) return;
      e.preventDefault();
      e.stopPropagation();
      drag = { kind: kind, corner: corner, p0: toImage(e), start: edit ? { x: edit.x, y: edit.y, w: edit.w, h: edit.h } : null };
      layer.setPointerCapture(e.pointerId);
    }

    layer.addEventListener("pointerdown", function (e) {
      if (!drawing || busy) return;
      var p = toImage(e);
      edit = { id: null, x: p.x, y: p.y, w: 0, h: 0, dirty: true };
      startDrag(e, "draw");
      editEl = buildEditEl();
      layer.appendChild(editEl);
      editEl.style.width = editEl.style.height = "0";
    });

    layer.addEventListener("pointermove", function (e) {
      if (!drag) return;
      var p = toImage(e), s = drag.start, dx = p.x - drag.p0.x, dy = p.y - drag.p0.y;
      if (drag.kind === "draw") {
        edit.x = Math.min(drag.p0.x, p.x); edit.y = Math.min(drag.p0.y, p.y);
        edit.w = Math.abs(dx); edit.h = Math.abs(dy);
        place(editEl, edit);
        return;
      }
      var b = { x: s.x, y: s.y, w: s.w, h: s.h };
      if (drag.kind === "move") { b.x += dx; b.y += dy; }
      else {
        if (drag.corner.indexOf("w") !== -1) { b.x += dx; b.w -= dx; } else { b.w += dx; }
        if (drag.corner.indexOf("n") !== -1) { b.y += dy; b.h -= dy; } else { b.h += dy; }
      }
      var cl = clamp(b);
      edit.x = cl.x; edit.y = cl.y; edit.w = cl.w; edit.h = cl.h;
      edit.dirty = edit.dirty || dx !== 0 || dy !== 0;
      place(editEl, edit);
    });

    function endDrag(e) {
      if (!drag) return;
      var kind = drag.kind;
      drag = null;
      try { layer.releasePointerCapture(e.pointerId); } catch (err) { /* already released */ }
      if (kind === "draw") {
        drawing = false;
        if (edit.w < MIN || edit.h < MIN) {
          edit = null;
          render();
          say("That box was too small. Press Draw a box and drag across the whole face.");
          return;
        }
        var cl = clamp(edit);
        edit.x = cl.x; edit.y = cl.y; edit.w = cl.w; edit.h = cl.h;
        say("Box drawn " + describe(edit) + ". Adjust it if needed, then press Submit box.");
      }
      render();
    }
    layer.addEventListener("pointerup", endDrag);
    layer.addEventListener("pointercancel", endDrag);

    function onKey(e) {
      if (!edit) return;
      var step = e.altKey ? 1 : Math.max(2, Math.round(Math.min(W, H) / 50));
      var b = { x: edit.x, y: edit.y, w: edit.w, h: edit.h };
      var moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
      if (moves[e.key]) {
        e.preventDefault();
        if (e.shiftKey) { b.w += moves[e.key][0]; b.h += moves[e.key][1]; }
        else { b.x += moves[e.key][0]; b.y += moves[e.key][1]; }
        var cl = clamp(b);
        edit.x = cl.x; edit.y = cl.y; edit.w = cl.w; edit.h = cl.h; edit.dirty = true;
        place(editEl, edit);
        editEl.setAttribute("aria-label", "Box " + describe(edit));
        controls();
      } else if (e.key === "Enter") { e.preventDefault(); submit(); }
      else if (e.key === "Escape") { e.preventDefault(); cancel(); }
      else if (e.key === "Delete" || e.key === "Backspace") { e.preventDefault(); if (edit.id) remove(); else cancel(); }
    }

    function cancel() {
      edit = null; drawing = false; render();
      say("Cancelled.");
    }

    function submit() {
      if (!edit || busy || (edit.id !== null && !edit.dirty)) return;
      var box = clamp(edit), id = edit.id;
      busy = true; controls();
      say(id ? "Saving the box…" : "Submitting the box…");
      opts.onSubmit(box, id).then(function () {
        edit = null;
        say(id ? "Box saved. It is being processed again." : "Box submitted. It is being processed.");
      }, function (err) {
        say("Could not save the box: " + err.message);
      }).then(function () { busy = false; render(); });
    }

    function remove() {
      if (!edit || !edit.id || busy) return;
      var id = edit.id;
      busy = true; controls();
      opts.onDelete(id).then(function () {
        edit = null;
        faces = faces.filter(function (f) { return f.id !== id; });
        say("Box deleted.");
      }, function (err) {
        say("Could not delete the box: " + err.message);
      }).then(function () { busy = false; render(); });
    }

    c.draw.addEventListener("click", function () {
      drawing = !drawing;
      if (drawing && edit && edit.id === null) edit = null;
      render();
      say(drawing ? "Drag over a face on the photo to draw a box." : "");
    });
    c.add.addEventListener("click", function () {
      var side = Math.round(Math.min(W, H) / 4);
      edit = { id: null, x: (W - side) / 2, y: (H - side) / 2, w: side, h: side, dirty: true };
      var cl = clamp(edit);
      edit.x = cl.x; edit.y = cl.y; edit.w = cl.w; edit.h = cl.h;
      drawing = false;
      render();
      editEl.focus();
      say("New box in the middle of the photo. Arrow keys move it, Shift and arrow keys resize it, Enter submits.");
    });
    c.submit.addEventListener("click", submit);
    c.cancel.addEventListener("click", cancel);
    c.del.addEventListener("click", remove);

    this.setFaces = function (list) {
      faces = list;
      if (edit && edit.id !== null && !faces.some(function (f) { return f.id === edit.id && f.editable; })) edit = null;
      if (!drag) render();
    };
  }

  window.BoxEditor = BoxEditor;
})();
