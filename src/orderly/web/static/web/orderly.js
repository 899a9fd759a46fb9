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
  // A button may carry its own question (a row's Cancel, sent through the rows' one shared form).
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = (submitter && submitter.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
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

  // "Add item row": copy the row template with the next free row number. A row is an element marked data-row
  // (an item's row with its folded parameters), or else a table row.
  function bindAddRow() {
    document.querySelectorAll("[data-add-row]").forEach(function (button) {
      var body = document.getElementById(button.getAttribute("data-add-row"));
      var template = document.getElementById(button.getAttribute("data-template"));
      if (!body || !template) return;
      var rows = function () {
        var marked = body.querySelectorAll("[data-row]");
        return marked.length ? marked : body.rows;
      };
      button.hidden = false;
      button.addEventListener("click", function () {
        var index = rows().length;
        var html = template.innerHTML.split("__i__").join(String(index)).split("__n__").join(String(index + 1));
        body.insertAdjacentHTML("beforeend", html);
        var first = rows()[rows().length - 1].querySelector("input:not([type=hidden])");
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
  // that name in its form, and follows them: ticked when all are, mixed when some are. Bound once per box, again
  // after htmx swaps new results in.
  function bindSelectAll() {
    document.querySelectorAll("[data-select-all]:not([data-bound])").forEach(function (all) {
      all.setAttribute("data-bound", "");
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
        all.dispatchEvent(new Event("selection", { bubbles: true }));
      });
      boxes().forEach(function (box) { box.addEventListener("change", follow); });
      follow();
    });
  }

  // The overview's bulk form: how many orders are chosen, said next to the actions. "All matching the filter"
  // ticks this page too; unticking any order takes it back to the ticked ones.
  function bulkCount() {
    var form = document.getElementById("bulk-form");
    var count = document.getElementById("selection-count");
    if (!form || !count) return;
    var all = document.getElementById("all-matching");
    var ticked = document.querySelectorAll('input[name="orders"][form="bulk-form"]:checked').length;
    if (all && all.checked) {
      var total = all.getAttribute("data-total");
      count.textContent = "All " + total + " matching order" + (total === "1" ? "" : "s") + " selected";
    } else {
      count.textContent = ticked ? ticked + " selected" : "None selected";
    }
  }
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.id === "all-matching") {
      document.querySelectorAll('input[name="orders"][form="bulk-form"]').forEach(function (row) {
        row.checked = box.checked;
        row.dispatchEvent(new Event("change"));
      });
    } else if (box.name === "orders" && box.getAttribute("form") === "bulk-form" && !box.checked) {
      var all = document.getElementById("all-matching");
      if (all && event.isTrusted) all.checked = false;
    } else if (box.hasAttribute && box.hasAttribute("data-select-all") && !box.checked) {
      var every = document.getElementById("all-matching");
      if (every) every.checked = false;
    }
    bulkCount();
  });
  document.addEventListener("selection", bulkCount);

  // Actions menus (details.menu): one open at a time; Escape or a click elsewhere closes them; the arrow keys move
  // through an open menu's entries.
  function menuItems(menu) {
    return Array.prototype.slice.call(menu.querySelectorAll("ul a, ul button, ul input, ul select"));
  }
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except && !menu.contains(except)) menu.open = false;
    });
  }
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (menu.matches && menu.matches("details.menu") && menu.open) closeMenus(menu);
  }, true);
  document.addEventListener("click", function (event) {
    var inside = event.target.closest && event.target.closest("details.menu");
    closeMenus(inside || null);
  });
  document.addEventListener("keydown", function (event) {
    var menu = event.target.closest && event.target.closest("details.menu[open]");
    if (!menu) return;
    if (event.key === "Escape") {
      menu.open = false;
      menu.querySelector("summary").focus();
      event.preventDefault();
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      var items = menuItems(menu);
      if (!items.length) return;
      var at = items.indexOf(document.activeElement);
      var next = event.key === "ArrowDown" ? at + 1 : (at < 0 ? items.length - 1 : at - 1);
      items[(next + items.length) % items.length].focus();
      event.preventDefault();
    }
  });

  // The allocation: "Remaining to be packaged" follows each box as it is typed; "Allocate all stock" fills every
  // box with what the planning service would hold, without a reload (the link loads the filled page without JS).
  function followAllocation(cell) {
    var box = cell.querySelector("input");
    var remaining = cell.parentElement.querySelector("[data-remaining]");
    if (!box || !remaining) return;
    var ordered = parseInt(cell.getAttribute("data-ordered"), 10);
    var typed = box.value.trim();
    if (!/^\d+$/.test(typed || "0")) return;  // the server says what is wrong with it on Save
    remaining.textContent = String(Math.max(0, ordered - parseInt(typed || "0", 10)));
  }
  document.addEventListener("input", function (event) {
    var cell = event.target.closest && event.target.closest("[data-allocation-row]");
    if (cell) followAllocation(cell);
  });
  document.addEventListener("click", function (event) {
    var fill = event.target.closest && event.target.closest("[data-fill-allocation]");
    if (!fill) return;
    event.preventDefault();
    document.querySelectorAll("[data-allocation-row]").forEach(function (cell) {
      var box = cell.querySelector("input");
      if (!box) return;
      box.value = cell.getAttribute("data-fillable");
      followAllocation(cell);
    });
  });

  // On a phone the navigation sits behind the Menu button.
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest(".nav-toggle");
    if (!toggle) return;
    var bar = toggle.closest(".topbar");
    var open = !bar.classList.contains("nav-open");
    bar.classList.toggle("nav-open", open);
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
  });

  document.addEventListener("DOMContentLoaded", function () {
    // After a refused form, start where the problem is said (it links to the field at fault).
    var summary = document.getElementById("form-errors");
    if (summary) summary.focus();
    bindToggles();
    bindAddRow();
    bindCopy();
    bindSelectAll();
    bulkCount();
  });
  document.addEventListener("htmx:afterSettle", function () {
    bindSelectAll();
    bulkCount();
  });
})();
