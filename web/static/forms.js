// forms.js: a form being sent disables its submit buttons, so a second
// click does not send it again while the first is in flight (the server's
// one-time form token catches the rest). Going Back restores the page from
// the browser's cache with the buttons still disabled: pageshow enables
// them again. Pages work the same without this script.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) {
      return;
    }
    // Disable after this tick: a disabled submitter would drop its own
    // name and value from the request being built now.
    window.setTimeout(function () {
      form.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]').forEach(function (b) {
        b.disabled = true;
        b.setAttribute("data-submitting", "");
      });
      form.setAttribute("aria-busy", "true");
    }, 0);
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("[data-submitting]").forEach(function (b) {
      b.disabled = false;
      b.removeAttribute("data-submitting");
    });
    document.querySelectorAll('form[aria-busy="true"]').forEach(function (f) {
      f.removeAttribute("aria-busy");
    });
  });
})();
