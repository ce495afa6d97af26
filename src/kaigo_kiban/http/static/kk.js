/* kaigo-kiban: progressive enhancement only. Every page works without this file (and
   without htmx); this only smooths the two cases where an htmx request cannot be swapped. */
(function () {
  "use strict";

  function here() {
    return window.location.pathname + window.location.search;
  }

  // The session expired: the server answered with the sign-in page. Go there as a full page
  // and come back to the page the user was on (not to the fragment URL) after signing in.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (!xhr || !xhr.responseURL) return;
    var url = new URL(xhr.responseURL, window.location.href);
    if (url.origin === window.location.origin && url.pathname === "/login") {
      event.detail.shouldSwap = false;
      window.location.assign("/login?next=" + encodeURIComponent(here()));
    }
  });

  // An error answer is not swapped by htmx; say so instead of doing nothing.
  function showProblem(text) {
    var main = document.getElementById("main");
    if (!main) return;
    var box = document.getElementById("kk-problem");
    if (!box) {
      box = document.createElement("div");
      box.id = "kk-problem";
      box.className = "notice error";
      box.setAttribute("role", "alert");
      main.insertBefore(box, main.firstChild);
    }
    box.textContent = text;
  }

  // A table wider than its box scrolls inside .table-wrap; keyboard users must be able to
  // focus that box to scroll it. Templates should say tabindex="0" themselves; this covers
  // the ones that do not, and tables that only overflow on a narrow screen.
  function focusableScrollers(root) {
    var boxes = (root || document).querySelectorAll(".table-wrap:not([tabindex])");
    Array.prototype.forEach.call(boxes, function (box) {
      if (box.scrollWidth <= box.clientWidth) return;
      box.setAttribute("tabindex", "0");
      if (!box.hasAttribute("role")) box.setAttribute("role", "region");
      if (!box.hasAttribute("aria-label") && !box.hasAttribute("aria-labelledby")) {
        var caption = box.querySelector("caption");
        box.setAttribute("aria-label", caption ? caption.textContent.trim() : "表 (横にスクロールできます)");
      }
    });
  }
  document.addEventListener("DOMContentLoaded", function () { focusableScrollers(document); });
  window.addEventListener("resize", function () { focusableScrollers(document); });
  document.addEventListener("htmx:afterSettle", function (event) { focusableScrollers(event.target); });

  document.addEventListener("htmx:responseError", function (event) {
    var status = event.detail.xhr ? event.detail.xhr.status : 0;
    showProblem("処理できませんでした (HTTP " + status + ")。画面を再読み込みしてやり直してください。");
  });

  document.addEventListener("htmx:sendError", function () {
    showProblem("サーバに接続できませんでした。通信環境を確認して、もう一度お試しください。");
  });
})();
