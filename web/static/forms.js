// forms.js: a form being sent disables its submit buttons, so a second
// click does not send it again while the first is in flight (the server's
// one-time form token catches the rest). Going Back restores the page from
// the browser's cache with the buttons still disabled: pageshow enables
// them again. Pages work the same without this script.
//
// With htmx a form is sent in place (the submit event is cancelled, so the
// code above skips it): its buttons are disabled while the request is in
// flight, and a request that never got an answer (network down) says so in
// the layout's live region.
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
  function buttons(elt) {
    return elt instanceof HTMLFormElement
      ? elt.querySelectorAll('button[type="submit"], button:not([type]), input[type="submit"]')
      : [];
  }
  document.addEventListener("htmx:beforeRequest", function (event) {
    buttons(event.detail.elt).forEach(function (b) { b.disabled = true; });
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    buttons(event.detail.elt).forEach(function (b) { b.disabled = false; });
  });
  document.addEventListener("htmx:sendError", function () {
    var live = document.getElementById("live-status");
    if (live) {
      live.innerHTML = "";
      var p = document.createElement("div");
      p.className = "flash flash-error";
      p.textContent = "Tandem could not be reached, so nothing was changed. Check the connection and try again.";
      live.appendChild(p);
    }
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
