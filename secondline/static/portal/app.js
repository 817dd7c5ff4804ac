/* SecondLine portal enhancements. Everything here is optional: every page works without it. */
(function () {
  "use strict";

  function formatSize(bytes) {
    if (bytes < 1024) return bytes + " B";
    if (bytes < 1024 * 1024) return (bytes / 1024).toFixed(0) + " KB";
    return (bytes / 1024 / 1024).toFixed(1) + " MB";
  }

  /* Drag and drop onto a file input: the dropped files become the input's files, so the form
     posts them exactly as if they had been chosen with the plain input (the fallback). */
  function setUpDropzone(zone) {
    if (zone.dataset.ready) return;
    zone.dataset.ready = "1";
    var input = zone.querySelector("input[type=file]");
    var list = zone.querySelector(".file-list");
    if (!input) return;
    function show() {
      if (!list) return;
      list.textContent = "";
      Array.prototype.forEach.call(input.files, function (file) {
        var item = document.createElement("li");
        var name = document.createElement("span");
        name.textContent = file.name;
        var size = document.createElement("span");
        size.className = "muted";
        size.textContent = formatSize(file.size);
        item.appendChild(name);
        item.appendChild(size);
        list.appendChild(item);
      });
    }
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function (event) {
        event.preventDefault();
        zone.classList.add("is-over");
      });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("is-over"); });
    });
    zone.addEventListener("drop", function (event) {
      event.preventDefault();
      if (!event.dataTransfer || !event.dataTransfer.files.length) return;
      var merged = new DataTransfer();
      Array.prototype.forEach.call(input.files, function (f) { merged.items.add(f); });
      Array.prototype.forEach.call(event.dataTransfer.files, function (f) { merged.items.add(f); });
      input.files = merged.files;
      show();
    });
    input.addEventListener("change", show);
  }

  /* Single-key shortcuts (r = reply, a = assign) declared with data-shortcut on the target. */
  function isTyping(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) return;
    var target = document.querySelector('[data-shortcut="' + event.key.toLowerCase() + '"]');
    if (!target) return;
    event.preventDefault();
    var opener = target.closest("details");
    if (opener) opener.open = true;
    target.scrollIntoView({ block: "center" });
    target.focus();
  });

  /* "Select all" on the queue's bulk checkboxes. */
  function setUpSelectAll(box) {
    if (box.dataset.ready) return;
    box.dataset.ready = "1";
    box.addEventListener("change", function () {
      document.querySelectorAll('input[name="tickets"]').forEach(function (item) {
        item.checked = box.checked;
      });
    });
  }

  /* Show the bulk form's second field that matches the chosen action. */
  function setUpBulk(form) {
    if (form.dataset.ready) return;
    form.dataset.ready = "1";
    var action = form.querySelector('select[name="action"]');
    function sync() {
      form.querySelectorAll("[data-for-action]").forEach(function (field) {
        field.hidden = field.dataset.forAction !== action.value;
      });
    }
    if (action) { action.addEventListener("change", sync); sync(); }
  }

  function init(root) {
    root.querySelectorAll("[data-dropzone]").forEach(setUpDropzone);
    root.querySelectorAll("[data-select-all]").forEach(setUpSelectAll);
    root.querySelectorAll("[data-bulk]").forEach(setUpBulk);
  }
  /* A form sent back with errors may be far down a long page: bring its first field into view. */
  function focusFirstError() {
    var field = document.querySelector(".has-error input, .has-error select, .has-error textarea");
    if (field && !document.querySelector("[data-no-error-focus]")) {
      field.scrollIntoView({ block: "center" });
      field.focus({ preventScroll: true });
    }
  }
  /* A form with a one-time key (a new ticket, a reply) is sent once: after the first submit its
     buttons wait for the next page. A moment later, not at once: a disabled button's name and
     value would be left out of the form being sent. htmx forms use hx-disabled-elt instead. */
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.hasAttribute("hx-post")) return;
    if (!form.querySelector('input[name="submission_key"]')) return;
    if (event.submitter && event.submitter.getAttribute("formmethod") === "get") return;
    setTimeout(function () {
      form.querySelectorAll("button").forEach(function (button) {
        if (button.type !== "submit" || button.disabled) return;
        button.disabled = true;
        button.dataset.sent = "1";
      });
    }, 0);
  });
  /* Back to a page the browser kept: its buttons work again. */
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("button[data-sent]").forEach(function (button) {
      button.disabled = false;
      delete button.dataset.sent;
    });
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); focusFirstError(); });
  document.addEventListener("htmx:afterSwap", function (event) { init(event.target); });
})();
