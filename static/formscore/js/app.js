/* What every app page shares. The pages' Content-Security-Policy allows scripts from our own
   files only, so behaviour lives here, never in onsubmit= or an inline <script>. */
(function () {
  "use strict";

  // <form data-confirm="Delete this rule?">: ask before sending; Cancel sends nothing.
  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  /* A refused htmx action says why, next to the control that sent it (htmx itself swaps
     nothing on a 4xx, so without this the click would seem to do nothing).
     - 422 with an HTML fragment (or a page the element hx-selects from): the control
       re-rendered with its error in place; swap it as a success.
     - Any other 4xx (or a 422 in plain text): the response is a short message in words; it goes
       into the nearest [data-error-slot] of the control's form (made if there is none).
     - Pages without JS post the same forms and get the whole page with the error instead. */
  var FALLBACK = {
    400: "That request was not understood. Reload the page and try again.",
    403: "Your role does not allow this. Ask an admin if you need it.",
    404: "Not found: it may have been removed, or reassigned to someone else.",
    409: "Someone changed this at the same time. Reload the page and try again.",
    413: "That is too large to send.",
    429: "Too many requests at once. Wait a moment and try again.",
  };

  function errorHost(elt) {
    return elt.closest("[data-error-host]") || elt.closest("form") || elt;
  }

  function errorSlot(elt) {
    var host = errorHost(elt);
    var slot = host.querySelector("[data-error-slot]");
    if (!slot) {
      slot = document.createElement("p");
      slot.className = "field-error htmx-error";
      slot.setAttribute("data-error-slot", "");
      slot.setAttribute("role", "alert");
      if (host.tagName === "FORM") host.appendChild(slot);
      else host.insertAdjacentElement("afterend", slot);
    }
    return slot;
  }

  function showError(elt, text) {
    var slot = errorSlot(elt);
    slot.textContent = text;
    slot.hidden = false;
  }

  function messageOf(xhr) {
    var text = (xhr.responseText || "").trim();
    // A short answer without markup is the server's message in words, whatever its type says.
    if (text && text.length <= 400 && text.indexOf("<") < 0) return text;
    if (xhr.status >= 500) return "Something went wrong on our side. Try again in a moment.";
    return FALLBACK[xhr.status] || "That did not work (error " + xhr.status + "). Reload and try again.";
  }

  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status < 400) return;
    var elt = event.detail.requestConfig ? event.detail.requestConfig.elt : event.target;
    var type = xhr.getResponseHeader("Content-Type") || "";
    var whole = /^\s*<!doctype|<html[\s>]/i.test(xhr.responseText || "");
    // A whole page swapped into a small target would nest a page: only with an hx-select.
    var fits = !whole || (elt && elt.closest("[hx-select]"));
    if (xhr.status === 422 && type.indexOf("text/html") === 0 && fits) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
      return;
    }
    event.detail.shouldSwap = false;
    // A background refresh (the inbox's every 30 s) fails quietly: no control was used.
    if (elt && !elt.matches("[data-quiet-errors]")) showError(elt, messageOf(xhr));
  });

  document.addEventListener("htmx:sendError", function (event) {
    var elt = event.detail.elt;
    if (elt && !elt.matches("[data-quiet-errors]")) {
      showError(elt, "Could not reach formscore. Check the connection and try again.");
    }
  });

  // A new try clears the last error of the same control.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail.elt;
    // The inbox refreshes itself every 30 s: never while someone is selecting leads in it.
    if (elt.id === "lead-table" && elt.querySelector("input[name=lead]:checked")) {
      event.preventDefault();
      return;
    }
    var slot = errorHost(elt).querySelector("[data-error-slot]");
    if (slot) {
      slot.textContent = "";
      slot.hidden = true;
    }
  });

  // <form data-drop-empty>: empty fields stay out of the URL htmx pushes (?q=ada, not ?q=ada&tier=…).
  document.addEventListener("htmx:configRequest", function (event) {
    if (!event.detail.elt.matches("[data-drop-empty]")) return;
    var params = event.detail.parameters;
    Object.keys(params).forEach(function (name) {
      if (params[name] === "") delete params[name];
    });
  });

  /* Inbox bulk actions: "select all on this page", the count of selected leads, and only the
     fields the chosen outcome needs (without JS they are all shown and the server checks). */
  function syncBulk(form) {
    var boxes = form.querySelectorAll("input[name=lead]");
    var checked = form.querySelectorAll("input[name=lead]:checked").length;
    var all = form.querySelector("[data-select-all]");
    if (all) {
      all.checked = checked > 0 && checked === boxes.length;
      all.indeterminate = checked > 0 && checked < boxes.length;
    }
    var count = form.querySelector("[data-selected-count]");
    if (count) {
      count.textContent = checked
        ? checked + (checked === 1 ? " lead selected" : " leads selected")
        : "Select leads to act on several at once";
    }
    form.classList.toggle("has-selection", checked > 0);
    var status = form.querySelector("[data-bulk-status]");
    form.querySelectorAll("[data-bulk-for]").forEach(function (field) {
      field.hidden = !status || field.dataset.bulkFor.split(" ").indexOf(status.value) < 0;
    });
  }

  document.addEventListener("change", function (event) {
    var form = event.target.closest("#bulk-form");
    if (!form) return;
    if (event.target.matches("[data-select-all]")) {
      form.querySelectorAll("input[name=lead]").forEach(function (box) {
        box.checked = event.target.checked;
      });
    }
    syncBulk(form);
  });

  function initBulk(root) {
    var form = root.querySelector ? root.querySelector("#bulk-form") : null;
    if (root.id === "bulk-form") form = root;
    if (form) syncBulk(form);
  }

  document.addEventListener("DOMContentLoaded", function () {
    initBulk(document);
  });
  document.addEventListener("htmx:load", function (event) {
    initBulk(event.target);
  });
})();
