/* Who else has this article open (articles/presence.py): the form beats every few seconds and
   shows the server's notice in its live region; leaving the page says so at once. It warns, it
   does not lock. Names are user data: the notice is set as text, never as HTML. */
(function () {
  "use strict";
  var region = document.getElementById("article-presence");
  if (!region || !window.fetch) return;
  var url = region.dataset.url;
  var visibleSeconds = Number(region.dataset.beatSeconds) || 20;
  var timer = null;

  function body(extra) {
    var form = new FormData();
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    form.append("csrfmiddlewaretoken", token ? token.value : "");
    if (extra) form.append(extra, "1");
    return form;
  }

  function show(text) {
    var current = region.firstElementChild;
    if ((current ? current.textContent : "") === text) return;
    region.replaceChildren();
    if (!text) return;
    var notice = document.createElement("p");
    notice.className = "presence-notice";
    notice.textContent = text;
    region.appendChild(notice);
  }

  function schedule() {
    clearTimeout(timer);
    // A hidden tab beats half as often; the server forgets nobody who beats within its TTL.
    var seconds = document.hidden ? visibleSeconds * 2 : visibleSeconds;
    timer = setTimeout(beat, seconds * 1000);
  }

  function beat() {
    fetch(url, { method: "POST", body: body(), credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        // Signed out (a redirect to the login page) or refused: keep what is shown.
        if (!response.ok || type.indexOf("application/json") !== 0) return null;
        return response.json();
      })
      .then(function (answer) {
        if (answer) show(answer.notice || "");
      })
      .catch(function () {})
      .then(schedule);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) beat();
    else schedule();
  });
  window.addEventListener("pagehide", function () {
    clearTimeout(timer);
    if (navigator.sendBeacon) navigator.sendBeacon(url, body("left"));
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) beat(); // back from the back-forward cache: open again
  });
  schedule();
})();
