// Date fields are text showing dd/mm/yyyy, whatever the browser's language (a native date input shows
// mm/dd/yyyy in an English browser). The button beside one opens the browser's calendar through a hidden
// native input, and the day picked is written back as dd/mm/yyyy. Delegated on the document, so fields
// that htmx swaps in work too. See templates/_date.html.
(function () {
  "use strict";

  function pad(n) { return String(n).padStart(2, "0"); }

  // "30/6/2026" or "2026-06-30" (links and older forms) → "2026-06-30"; anything else → "".
  function toIso(text) {
    var value = (text || "").trim();
    var typed = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(value);
    if (typed) return typed[3] + "-" + pad(typed[2]) + "-" + pad(typed[1]);
    return /^\d{4}-\d{2}-\d{2}$/.test(value) ? value : "";
  }

  function toTyped(iso) {
    var parts = iso.split("-");
    return parts[2] + "/" + parts[1] + "/" + parts[0];
  }

  function fieldOf(element) {
    var box = element.closest(".date-field");
    return box && { text: box.querySelector("input[data-date]"), native: box.querySelector(".date-native") };
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest(".date-pick") : null;
    var field = button && fieldOf(button);
    if (!field) return;
    field.native.value = toIso(field.text.value);
    try {
      field.native.showPicker();
    } catch (error) {  // a browser without showPicker: the typed field still works
      field.text.focus();
    }
  });

  // Capturing: the native input's own change must not reach a form that submits on change (the board);
  // the text field's change, with the day written in, is the one that does.
  document.addEventListener("change", function (event) {
    if (!event.target.classList || !event.target.classList.contains("date-native")) return;
    event.stopPropagation();
    var field = fieldOf(event.target);
    if (!field || !event.target.value) return;
    field.text.value = toTyped(event.target.value);
    field.text.dispatchEvent(new Event("input", { bubbles: true }));
    field.text.dispatchEvent(new Event("change", { bubbles: true }));
  }, true);
})();
