// Keyboard shortcuts for the review dashboard, and the "use for recognition" checkbox.
//
// Any element with data-key="x" is activated by pressing x (buttons are clicked, inputs
// focused, checkboxes toggled) unless the person is typing in a field. No inline script:
// the CSP allows only files from this origin.
(function () {
  "use strict";

  function isTyping(target) {
    if (!target) return false;
    var tag = target.tagName;
    return tag === "INPUT" && target.type !== "checkbox" || tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable;
  }

  var busy = false; // one decision per page: a second key press must not post twice

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    var key = event.key.length === 1 ? event.key.toLowerCase() : event.key;
    var element = document.querySelector('[data-key="' + (key === '"' ? '\\"' : key) + '"]');
    if (!element) return;
    event.preventDefault();
    if (element.tagName === "INPUT" && element.type !== "checkbox") {
      element.focus();
      return;
    }
    if (element.tagName === "BUTTON" || element.tagName === "A") {
      if (busy) return;
      busy = true;
    }
    element.click();
  });

  // Copy the checkbox into every decision form's hidden field when it changes.
  var box = document.getElementById("use-for-recognition");
  if (box) {
    var sync = function () {
      document.querySelectorAll(".js-use-for-recognition").forEach(function (field) {
        field.value = box.checked ? "on" : "";
      });
    };
    box.addEventListener("change", sync);
    sync();
  }
})();
