/* The public form page: conditional questions, and — inside an embed — talking to the host page.
 * Everything here is an enhancement: without JavaScript every question shows and each step is a
 * normal POST. */
(function () {
  "use strict";
  var parentOrigin = null;
  var signals = null;

  function allowedParents() {
    try { return JSON.parse(document.body.getAttribute("data-parent-origins") || "[]"); }
    catch (e) { return []; }
  }
  function findParentOrigin() {
    if (window.parent === window) return null;
    var candidates = [];
    if (location.ancestorOrigins && location.ancestorOrigins.length) {
      candidates.push(location.ancestorOrigins[0]);
    }
    var pageUrl = document.querySelector("input[name=_fs_page_url]");
    [pageUrl && pageUrl.value, document.referrer].forEach(function (url) {
      try { if (url) candidates.push(new URL(url).origin); } catch (e) { /* not a URL */ }
    });
    var allowed = allowedParents();
    // Only ever talk to a site on the form's list (frame-ancestors enforces the same).
    return candidates.length && allowed.indexOf(candidates[0]) !== -1 ? candidates[0] : null;
  }
  function tell(type, detail) {
    if (parentOrigin) window.parent.postMessage({ formscore: type, detail: detail || {} }, parentOrigin);
  }

  function answerValues(form, key) {
    var values = [];
    Array.prototype.forEach.call(form.elements, function (el) {
      if (el.name !== key || el.disabled) return;
      if ((el.type === "radio" || el.type === "checkbox") && !el.checked) return;
      if (el.tagName === "SELECT" && el.multiple) {
        Array.prototype.forEach.call(el.selectedOptions, function (o) { values.push(o.value); });
        return;
      }
      values.push(el.type === "checkbox" && el.value === "on" ? "true" : el.value);
    });
    return values;
  }
  function applyConditions(form) {
    // In page order, so a question hidden by its own condition also hides the ones that follow it.
    form.querySelectorAll("[data-condition]").forEach(function (wrapper) {
      var condition;
      try { condition = JSON.parse(wrapper.getAttribute("data-condition")); } catch (e) { return; }
      var shown = answerValues(form, condition.question).some(function (value) {
        return (condition.values || []).indexOf(value) !== -1;
      });
      wrapper.hidden = !shown;
      wrapper.querySelectorAll("input, select, textarea").forEach(function (el) {
        el.disabled = !shown;
      });
    });
  }
  function fillSignals(form) {
    if (!signals || form.getAttribute("data-browsing") !== "1") return;
    form.querySelectorAll("[data-browsing-signal]").forEach(function (input) {
      var name = input.getAttribute("data-browsing-signal");
      var value = name === "browsing_consent" ? (signals.consent ? "1" : "") : signals[name];
      input.value = Array.isArray(value) ? value.join(",") : value == null ? "" : String(value);
    });
  }
  function currentForm() {
    return document.querySelector("form[data-formscore-form]");
  }
  function enhance(isSwap) {
    var form = currentForm();
    if (form) {
      applyConditions(form);
      fillSignals(form);
      var summary = form.querySelector(".error-summary:not([hidden])");
      if (isSwap && summary) summary.focus();
      else if (isSwap) {
        // A new step: start at its first question, as a person would.
        var first = form.querySelector(".field:not([hidden]) :is(input, select, textarea):not([type=hidden]):not(:disabled)");
        if (first) first.focus({ preventScroll: true });
      }
    }
    var done = document.querySelector("[data-formscore-next-step]");
    if (done) {
      if (isSwap) done.focus();
      tell("submitted", { tier: done.getAttribute("data-tier"), leadId: done.getAttribute("data-lead") });
      // The tier's redirect: only the host page may leave (embed.js does), after it heard the
      // submit; without embed.js the "Continue" link opens it in the whole window.
      var target = done.getAttribute("data-redirect");
      if (target) tell("redirect", { url: target });
    } else if (isSwap) {
      tell("navigated", {});
    }
  }
  function reportHeight() {
    var main = document.querySelector(".public-main");
    if (main) tell("resize", { height: Math.ceil(main.getBoundingClientRect().height) });
  }

  document.addEventListener("DOMContentLoaded", function () {
    parentOrigin = findParentOrigin();
    document.addEventListener("change", function (event) {
      var form = event.target.closest && event.target.closest("form[data-formscore-form]");
      if (form) applyConditions(form);
    });
    document.body.addEventListener("htmx:afterSwap", function () { enhance(true); });
    window.addEventListener("message", function (event) {
      if (!parentOrigin || event.source !== window.parent || event.origin !== parentOrigin) return;
      var message = event.data;
      if (message && message.formscore === "signals" && message.detail) {
        signals = message.detail;
        var form = currentForm();
        if (form) fillSignals(form);
      }
    });
    enhance(false);
    if (parentOrigin) {
      var form = currentForm();
      var keyPages = [];
      try { keyPages = JSON.parse((form && form.getAttribute("data-key-pages")) || "[]"); } catch (e) { /* none */ }
      tell("ready", { browsing: !!form && form.getAttribute("data-browsing") === "1", keyPages: keyPages });
      var main = document.querySelector(".public-main");
      if (main && window.ResizeObserver) new ResizeObserver(reportHeight).observe(main);
      reportHeight();
    }
  });
})();
