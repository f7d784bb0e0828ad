/*! formscore embed — <script src="https://HOST/embed.js" data-form="SLUG" async></script>
 *
 * Puts the form in an iframe that follows its content's height, passes the host page's URL,
 * referrer and UTM parameters along, and tells the host page `formscore:submitted` (detail: form,
 * tier, leadId), then sends the page to the form's redirect URL for the prospect's tier if it has
 * one. With the visitor's consent (data-consent="granted" on the tag, or
 * formscore.consent(true) from your consent banner) it also counts page views, visits and
 * key-page visits in this site's localStorage, and hands them to forms that collect them.
 * Without data-form it only counts. No cookies, no dependencies.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var HOST = new URL(script.src).origin;
  var STORE = "formscore:visits";
  var CONSENT = "formscore:consent";
  var SESSION_GAP_MS = 30 * 60 * 1000;
  var RESERVED = { embed: 1, page_url: 1, referrer: 1 };

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }
  function readVisits() {
    var store = storage();
    try { return store && JSON.parse(store.getItem(STORE) || "null"); } catch (e) { return null; }
  }
  function consentGranted() {
    var store = storage();
    var attribute = script.getAttribute("data-consent");
    if (attribute === "denied") return false;
    return attribute === "granted" || !!(store && store.getItem(CONSENT) === "granted");
  }
  function recordVisit() {
    var store = storage();
    if (!store || window.__formscoreRecorded || !consentGranted()) return;
    window.__formscoreRecorded = true;
    var now = Date.now();
    var visits = readVisits() || { first: now, last: 0, views: 0, sessions: 0, paths: [] };
    if (now - visits.last > SESSION_GAP_MS) visits.sessions += 1;
    visits.views += 1;
    visits.last = now;
    var path = normalPath(location.pathname);
    if (visits.paths.indexOf(path) === -1) {
      visits.paths.push(path);
      if (visits.paths.length > 200) visits.paths.shift();
    }
    try { store.setItem(STORE, JSON.stringify(visits)); } catch (e) { /* storage full */ }
  }
  function normalPath(path) {
    return String(path).split("?")[0].split("#")[0].replace(/\/+$/, "") || "/";
  }

  window.formscore = window.formscore || {};
  /* Call from your consent banner: true starts counting, false forgets everything counted. */
  window.formscore.consent = function (granted) {
    var store = storage();
    if (!store) return;
    if (granted) {
      store.setItem(CONSENT, "granted");
      recordVisit();
    } else {
      store.removeItem(CONSENT);
      store.removeItem(STORE);
    }
  };
  if (script.getAttribute("data-consent") === "denied") window.formscore.consent(false);
  recordVisit();

  var slug = script.getAttribute("data-form");
  if (!slug) return;

  var params = new URLSearchParams(location.search);
  var query = new URLSearchParams();
  params.forEach(function (value, name) {
    if (!RESERVED[name]) query.append(name, value.slice(0, 500));
  });
  query.set("embed", "1");
  query.set("page_url", location.href.slice(0, 2000));
  if (document.referrer) query.set("referrer", document.referrer.slice(0, 2000));

  var iframe = document.createElement("iframe");
  iframe.src = HOST + "/f/" + encodeURIComponent(slug) + "/?" + query.toString();
  iframe.title = script.getAttribute("data-title") || "Form";
  iframe.setAttribute("data-formscore-form", slug);
  iframe.style.cssText =
    "display:block;width:100%;max-width:100%;border:0;margin:0;background:transparent;" +
    "height:" + (parseInt(script.getAttribute("data-height"), 10) || 640) + "px";
  var target = script.getAttribute("data-target") && document.querySelector(script.getAttribute("data-target"));
  if (target) target.appendChild(iframe);
  else script.parentNode.insertBefore(iframe, script.nextSibling);

  /* A browser shows a frame that the form's allowed sites forbid as a broken page and tells this
     page nothing. So ask, while the frame loads, whether this site may show the form; if not,
     put a short explanation and a link to the form in the frame's place. */
  function element(tag, css, text) {
    var node = document.createElement(tag);
    node.style.cssText = css;
    if (text) node.textContent = text;
    return node;
  }
  function explainNotAllowed(origin) {
    var font = "font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;";
    var box = element("div",
      "box-sizing:border-box;max-width:40rem;margin:0;padding:20px 24px;border:1px solid #d9dde3;" +
      "border-radius:10px;background:#fff;color:#16191f;text-align:left;" + font);
    box.setAttribute("data-formscore-not-allowed", slug);
    box.appendChild(element("p", font + "margin:0 0 6px;font-weight:600;",
      "This form can't be shown on this page."));
    var line = element("p", "margin:0 0 12px;" + font);
    var link = element("a", font + "color:#3730a3;text-decoration:underline;font-weight:600;",
      "Open the form in a new tab");
    var direct = new URLSearchParams(query);
    ["embed", "page_url", "referrer"].forEach(function (name) { direct.delete(name); });
    link.href = HOST + "/f/" + encodeURIComponent(slug) + "/" + (direct.toString() ? "?" + direct : "");
    link.target = "_blank";
    link.rel = "noopener";
    line.appendChild(link);
    box.appendChild(line);
    box.appendChild(element("p", "margin:0;color:#5a6270;font-size:13px;line-height:1.5;",
      "Site owner: add " + origin + " to the form's allowed sites in formscore."));
    if (iframe.parentNode) iframe.parentNode.replaceChild(box, iframe);
    if (window.console) console.warn("formscore: " + origin + " may not show the form \"" + slug +
      "\": add it to the form's allowed sites.");
  }
  if (window.fetch) {
    fetch(HOST + "/f/" + encodeURIComponent(slug) + "/frame-check/", { credentials: "omit" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (status) {
        if (status && status.allowed === false) explainNotAllowed(status.origin || location.origin);
      })
      .catch(function () { /* unreachable: the frame shows the browser's own error */ });
  }

  function send(type, detail) {
    iframe.contentWindow.postMessage({ formscore: type, detail: detail }, HOST);
  }
  function signalsFor(keyPages) {
    var visits = readVisits();
    if (!visits || !consentGranted()) return null;
    var visited = (keyPages || []).filter(function (page) {
      var key = normalPath(page);
      return visits.paths.some(function (path) {
        return path === key || (key !== "/" && path.indexOf(key + "/") === 0);
      });
    });
    return {
      consent: true,
      page_views: visits.views,
      sessions: visits.sessions,
      days_since_first_visit: Math.round((Date.now() - visits.first) / 864e5 * 100) / 100,
      key_pages: visited,
    };
  }

  window.addEventListener("message", function (event) {
    // Only our own frame, from our own origin: any other window could post anything.
    if (event.origin !== HOST || event.source !== iframe.contentWindow) return;
    var message = event.data;
    if (!message || typeof message.formscore !== "string") return;
    var detail = message.detail || {};
    if (message.formscore === "resize") {
      var height = Math.ceil(Number(detail.height));
      if (height > 0 && height < 50000) iframe.style.height = height + "px";
    } else if (message.formscore === "ready") {
      var signals = detail.browsing ? signalsFor(detail.keyPages) : null;
      if (signals) send("signals", signals);
    } else if (message.formscore === "navigated") {
      if (iframe.getBoundingClientRect().top < 0) iframe.scrollIntoView({ block: "start" });
    } else if (message.formscore === "redirect") {
      // The form's redirect-after-submit URL for the prospect's tier: web pages only.
      var url;
      try { url = new URL(String(detail.url || "")); } catch (e) { return; }
      if (url.protocol === "https:" || url.protocol === "http:") window.location.assign(url.href);
    } else if (message.formscore === "submitted") {
      if (iframe.getBoundingClientRect().top < 0) iframe.scrollIntoView({ block: "start" });
      iframe.dispatchEvent(new CustomEvent("formscore:submitted", {
        bubbles: true,
        detail: { form: slug, tier: String(detail.tier || ""), leadId: String(detail.leadId || "") },
      }));
    }
  });
})();
