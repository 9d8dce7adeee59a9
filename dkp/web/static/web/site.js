// Behaviour every page shares that would otherwise sit in inline attributes (onchange, onsubmit,
// htmx trigger filters), which the Content-Security-Policy forbids (docs/operations.md).
(function () {
  "use strict";

  // <select data-autosubmit> and <input data-autosubmit>: a change submits the form (filters).
  document.addEventListener("change", function (event) {
    var field = event.target.closest && event.target.closest("[data-autosubmit]");
    if (field && field.form) field.form.submit();
  });

  // <form data-confirm="question">: asks first and submits only on OK.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });

  // A polling element marked data-poll-pauses-while-editing skips a poll while someone types in it
  // or has a correction open there, so the swap never throws away what they are writing.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.matches || !elt.matches("[data-poll-pauses-while-editing]")) return;
    if (elt.querySelector("details.correct[open], input:focus, textarea:focus")) event.preventDefault();
  });
})();
