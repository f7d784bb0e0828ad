/* Workspace enhancements: drag to reorder questions, copy buttons, the condition editor.
   Everything here is optional: the pages work with buttons and links without it. */
(function () {
  "use strict";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (e) {
      return "";
    }
  }

  function announce(text) {
    var region = document.getElementById("ws-live");
    if (!region) {
      region = document.createElement("div");
      region.id = "ws-live";
      region.className = "visually-hidden";
      region.setAttribute("role", "status");
      region.setAttribute("aria-live", "polite");
      document.body.appendChild(region);
    }
    region.textContent = text;
  }

  function refreshNumbers(list) {
    var items = list.querySelectorAll(":scope > .q-item");
    items.forEach(function (item, index) {
      var number = item.querySelector(".q-number");
      if (number) number.textContent = String(index + 1);
      var up = item.querySelector('button[value="up"]');
      var down = item.querySelector('button[value="down"]');
      if (up) up.disabled = index === 0;
      if (down) down.disabled = index === items.length - 1;
    });
  }

  function saveOrder(list) {
    var body = new URLSearchParams();
    list.querySelectorAll(":scope > .q-item").forEach(function (item) {
      body.append("order", item.dataset.id);
    });
    list.setAttribute("aria-busy", "true");
    return fetch(list.dataset.reorderUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "Content-Type": "application/x-www-form-urlencoded" },
      body: body,
      credentials: "same-origin",
    }).then(function (response) {
      list.removeAttribute("aria-busy");
      if (!response.ok) {
        window.location.reload();
        return;
      }
      refreshNumbers(list);
      announce("Order saved.");
    });
  }

  function initSortable(list) {
    if (list.dataset.sortable) return;
    list.dataset.sortable = "1";
    var dragging = null;
    var startOrder = "";

    function order() {
      return Array.prototype.map
        .call(list.querySelectorAll(":scope > .q-item"), function (item) {
          return item.dataset.id;
        })
        .join(",");
    }

    list.addEventListener("pointerdown", function (event) {
      var handle = event.target.closest(".q-handle");
      if (!handle || event.button !== 0) return;
      event.preventDefault();
      dragging = handle.closest(".q-item");
      startOrder = order();
      dragging.classList.add("is-dragging");
      list.classList.add("is-sorting");
      handle.setPointerCapture(event.pointerId);
    });

    list.addEventListener("pointermove", function (event) {
      if (!dragging) return;
      var items = Array.prototype.filter.call(
        list.querySelectorAll(":scope > .q-item"),
        function (item) {
          return item !== dragging;
        }
      );
      var before = null;
      for (var i = 0; i < items.length; i++) {
        var box = items[i].getBoundingClientRect();
        if (event.clientY < box.top + box.height / 2) {
          before = items[i];
          break;
        }
      }
      if (before !== dragging.nextElementSibling) list.insertBefore(dragging, before);
    });

    function drop() {
      if (!dragging) return;
      dragging.classList.remove("is-dragging");
      list.classList.remove("is-sorting");
      dragging = null;
      if (order() !== startOrder) saveOrder(list);
    }

    list.addEventListener("pointerup", drop);
    list.addEventListener("pointercancel", drop);
  }

  function initCopy(button) {
    if (button.dataset.copyReady) return;
    button.dataset.copyReady = "1";
    button.addEventListener("click", function () {
      var source = document.querySelector(button.dataset.copy);
      if (!source) return;
      var text = source.textContent;
      var done = function () {
        var label = button.textContent;
        button.textContent = "Copied";
        announce("Copied to the clipboard.");
        setTimeout(function () {
          button.textContent = label;
        }, 1600);
      };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(done);
      } else {
        var range = document.createRange();
        range.selectNodeContents(source);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        document.execCommand("copy");
        done();
      }
    });
  }

  function initConditionEditor(editor) {
    var select = editor.querySelector("select[name=condition_question]");
    if (!select || editor.dataset.ready) return;
    editor.dataset.ready = "1";
    function sync() {
      editor.querySelectorAll("[data-condition-for]").forEach(function (group) {
        group.hidden = group.dataset.conditionFor !== select.value;
      });
    }
    select.addEventListener("change", sync);
    sync();
  }

  /* Form settings: resource rows added, moved and removed in place; the server reads them in
     page order. Without JavaScript an empty row at the end adds one and clearing a row removes it. */
  function initResources(editor) {
    if (editor.dataset.ready) return;
    editor.dataset.ready = "1";
    var list = editor.querySelector("[data-resource-rows]");
    var template = editor.querySelector("template[data-resource-template]");
    var add = editor.querySelector("[data-resource-add]");
    function renumber() {
      list.querySelectorAll("[data-resource-row]").forEach(function (row, index) {
        var n = index + 1;
        row.querySelectorAll("input").forEach(function (input) {
          input.id = input.name + "_" + n;
          var label = row.querySelector('label[data-for="' + input.name + '"]') || input.previousElementSibling;
          if (label && label.tagName === "LABEL") {
            label.htmlFor = input.id;
            label.textContent = "Resource " + n + (input.name === "resource_title" ? " title" : " address");
          }
        });
        row.querySelector("[data-resource-move=up]").setAttribute("aria-label", "Move resource " + n + " up");
        row.querySelector("[data-resource-move=down]").setAttribute("aria-label", "Move resource " + n + " down");
        row.querySelector("[data-resource-remove]").setAttribute("aria-label", "Remove resource " + n);
      });
    }
    list.querySelectorAll("[data-resource-actions]").forEach(function (el) { el.hidden = false; });
    add.hidden = false;
    add.addEventListener("click", function () {
      var row = template.content.firstElementChild.cloneNode(true);
      row.querySelector("[data-resource-actions]").hidden = false;
      list.appendChild(row);
      renumber();
      row.querySelector("input").focus();
    });
    list.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) return;
      var row = button.closest("[data-resource-row]");
      if (button.hasAttribute("data-resource-remove")) {
        var next = row.nextElementSibling || row.previousElementSibling;
        row.remove();
        if (!list.querySelector("[data-resource-row]")) add.click();
        renumber();
        announce("Resource removed.");
        if (next) next.querySelector("input").focus();
        return;
      }
      var direction = button.getAttribute("data-resource-move");
      if (direction === "up" && row.previousElementSibling) list.insertBefore(row, row.previousElementSibling);
      else if (direction === "down" && row.nextElementSibling) list.insertBefore(row.nextElementSibling, row);
      else return;
      renumber();
      button.focus();
      announce("Resource moved " + direction + ".");
    });
    renumber();
  }

  /* The accent colour's contrast with the button's white text, as the server judges it
     (forms_app.workspace.branding), shown while the marketer picks. */
  function contrastWithWhite(hex) {
    var channels = [1, 3, 5].map(function (i) {
      var c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    return 1.05 / (0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2] + 0.05);
  }
  function initAccent(input) {
    if (input.dataset.ready) return;
    input.dataset.ready = "1";
    var note = document.createElement("span");
    note.className = "accent-contrast";
    note.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", note);
    function show() {
      if (!/^#[0-9a-f]{6}$/i.test(input.value)) return;
      var ratio = contrastWithWhite(input.value);
      var readable = ratio >= 4.5;
      note.textContent = input.value.toLowerCase() + " · " + ratio.toFixed(1) + ":1 with white text" +
        (readable ? "" : " — too light, pick a darker colour");
      note.classList.toggle("is-low", !readable);
    }
    input.addEventListener("input", show);
    show();
  }

  function init(root) {
    root.querySelectorAll("[data-resources]").forEach(initResources);
    root.querySelectorAll("input[type=color][name=accent_color]").forEach(initAccent);
    root.querySelectorAll("#question-list[data-reorder-url]").forEach(initSortable);
    root.querySelectorAll("[data-copy]").forEach(initCopy);
    root.querySelectorAll("[data-condition-editor]").forEach(initConditionEditor);
  }

  document.addEventListener("DOMContentLoaded", function () {
    init(document);
  });
  document.addEventListener("htmx:load", function (event) {
    init(event.target);
  });
})();
