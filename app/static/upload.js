// Evidence uploads (templates/tasks/_evidence.html): drop files onto the zone, refuse a file over the size
// limit before sending it, and show the upload's progress. Listeners sit on the document because htmx
// replaces the form after every upload; the page works without this script, only less comfortably.
(function () {
  "use strict";
  // The fragment, and this script tag with it, is swapped in again after each upload: listen once.
  if (window.parplanUpload) { return; }
  window.parplanUpload = true;

  function closest(node, selector) {
    return node instanceof Element ? node.closest(selector) : null;
  }

  function showChosen(input) {
    var list = closest(input, "[data-dropzone]").querySelector("[data-chosen]");
    list.textContent = "";
    Array.prototype.forEach.call(input.files, function (file) {
      var item = document.createElement("li");
      item.textContent = file.name;
      list.appendChild(item);
    });
  }

  function showError(form, message) {
    var box = form.querySelector("[data-upload-error]");
    box.textContent = message;
    box.hidden = !message;
  }

  function tooLarge(form) {
    var limit = Number(form.dataset.maxBytes);
    var input = form.querySelector("input[type=file]");
    var files = Array.prototype.slice.call(input.files);
    var big = files.filter(function (file) { return file.size > limit; });
    var messages = big.map(function (file) { return form.dataset.tooLarge.replace("{name}", file.name); });
    var total = files.reduce(function (sum, file) { return sum + file.size; }, 0);
    if (!messages.length && total > limit) { messages.push(form.dataset.tooLargeTogether); }
    return messages.join(" ");
  }

  document.addEventListener("dragover", function (event) {
    var zone = closest(event.target, "[data-dropzone]");
    if (!zone) { return; }
    event.preventDefault();  // allows the drop
    event.dataTransfer.dropEffect = "copy";
    zone.classList.add("dragging");
  });

  document.addEventListener("dragleave", function (event) {
    var zone = closest(event.target, "[data-dropzone]");
    if (zone && !zone.contains(event.relatedTarget)) { zone.classList.remove("dragging"); }
  });

  document.addEventListener("drop", function (event) {
    var zone = closest(event.target, "[data-dropzone]");
    if (!zone || !event.dataTransfer.files.length) { return; }
    event.preventDefault();  // otherwise the browser opens the file
    zone.classList.remove("dragging");
    var input = zone.querySelector("input[type=file]");
    input.files = event.dataTransfer.files;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  });

  document.addEventListener("change", function (event) {
    var form = closest(event.target, "form[data-upload]");
    if (!form || event.target.type !== "file") { return; }
    showChosen(event.target);
    showError(form, tooLarge(form));
  });

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = closest(event.detail.elt, "form[data-upload]");
    if (!form) { return; }
    var refused = tooLarge(form);
    showError(form, refused);
    if (refused) { event.preventDefault(); return; }  // the server would refuse it after the whole upload
    var bar = form.querySelector("[data-progress]");
    bar.value = 0;
    bar.hidden = false;
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = closest(event.target, "form[data-upload]");
    if (!form || !event.detail.lengthComputable) { return; }
    form.querySelector("[data-progress]").value = Math.round(100 * event.detail.loaded / event.detail.total);
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = closest(event.detail.elt, "form[data-upload]");
    if (form && form.isConnected) { form.querySelector("[data-progress]").hidden = true; }
  });
})();
