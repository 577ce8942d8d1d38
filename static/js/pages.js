/* qingdan pages: the small behaviours the Content-Security-Policy keeps out of the HTML (no
   inline scripts, on…= handlers or style attributes). Hand-written, no dependencies; the
   pages work without it. */
(function () {
  "use strict";

  document.addEventListener("DOMContentLoaded", function () {
    // <button data-print>: prints the page.
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.addEventListener("click", function () { window.print(); });
    });
    // <span class="score-bar" data-percent="73">: a bar as long as the match score.
    document.querySelectorAll(".score-bar[data-percent]").forEach(function (bar) {
      bar.style.width = bar.getAttribute("data-percent") + "px";
    });
  });
})();
