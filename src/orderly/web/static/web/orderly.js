// Small conveniences; every page works without them.
(function () {
  "use strict";

  // Notifications: a close button. None goes by itself: they sit above the page's content (covering nothing),
  // and one that vanished while read would move the buttons under the reader's pointer.
  document.addEventListener("click", function (event) {
    var close = event.target.closest(".toast-close");
    if (close) close.closest(".toast").remove();
  });

  // Forms marked data-confirm ask before they are sent (e.g. canceling an order).
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  // A block marked data-hidden-when-checked="box-id" hides while that box is ticked.
  function bindToggles() {
    document.querySelectorAll("[data-hidden-when-checked]").forEach(function (block) {
      var box = document.getElementById(block.getAttribute("data-hidden-when-checked"));
      if (!box) return;
      var sync = function () { block.hidden = box.checked; };
      box.addEventListener("change", sync);
      sync();
    });
  }

  // "Add item row": copy the row template with the next free row number.
  function bindAddRow() {
    document.querySelectorAll("[data-add-row]").forEach(function (button) {
      var body = document.getElementById(button.getAttribute("data-add-row"));
      var template = document.getElementById(button.getAttribute("data-template"));
      if (!body || !template) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        var index = body.rows.length;
        var html = template.innerHTML.split("__i__").join(String(index)).split("__n__").join(String(index + 1));
        body.insertAdjacentHTML("beforeend", html);
        var first = body.rows[body.rows.length - 1].querySelector("input");
        if (first) first.focus();
      });
    });
  }

  // A button marked data-copy="element-id" copies that element's text (a new API token). The clipboard is there
  // over HTTPS and on localhost only; elsewhere the button stays hidden and the text is selected by hand.
  function bindCopy() {
    document.querySelectorAll("[data-copy]").forEach(function (button) {
      var source = document.getElementById(button.getAttribute("data-copy"));
      if (!source || !navigator.clipboard) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(source.textContent.trim()).then(function () {
          button.textContent = "Copied";
        });
      });
    });
  }

  // A box marked data-select-all="name" (hidden until this script shows it) ticks or clears every enabled box of
  // that name in its form, and follows them: ticked when all are, mixed when some are.
  function bindSelectAll() {
    document.querySelectorAll("[data-select-all]").forEach(function (all) {
      var name = all.getAttribute("data-select-all");
      var form = all.getAttribute("form");
      var boxes = function () {
        return Array.prototype.filter.call(
          document.querySelectorAll('input[type="checkbox"][name="' + name + '"]'),
          function (box) { return !box.disabled && (!form || box.getAttribute("form") === form); }
        );
      };
      var follow = function () {
        var ticked = boxes().filter(function (box) { return box.checked; }).length;
        all.checked = ticked > 0 && ticked === boxes().length;
        all.indeterminate = ticked > 0 && ticked < boxes().length;
      };
      all.hidden = false;
      all.disabled = boxes().length === 0;
      all.addEventListener("change", function () {
        boxes().forEach(function (box) { box.checked = all.checked; });
        follow();
      });
      boxes().forEach(function (box) { box.addEventListener("change", follow); });
      follow();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    // After a refused form, start where the problem is said (it links to the field at fault).
    var summary = document.getElementById("form-errors");
    if (summary) summary.focus();
    bindToggles();
    bindAddRow();
    bindCopy();
    bindSelectAll();
  });
})();
