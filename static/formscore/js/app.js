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
})();
