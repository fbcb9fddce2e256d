// A pause button for the weather ticker (WCAG 2.2.2): shown only when the ticker moves.
(function () {
  "use strict";
  var reduce = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)");
  document.querySelectorAll(".weather-ticker:not([data-ready])").forEach(function (ticker) {
    var button = ticker.querySelector(".weather-ticker__pause");
    ticker.setAttribute("data-ready", "");
    if (!button || (reduce && reduce.matches)) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      var paused = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", String(paused));
      if (paused) ticker.setAttribute("data-paused", "");
      else ticker.removeAttribute("data-paused");
    });
  });
})();
