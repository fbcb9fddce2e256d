/* Viewable impressions (banners/viewability.py): a banner counts as seen when at least half of
   it has been in view for one continuous second while the page was visible. Each banner carries
   the server's signed token in data-view; tokens of seen banners are sent in batches with
   navigator.sendBeacon to the same origin, every few seconds and when the page is hidden or
   left. No cookie, no storage, nothing but the tokens is sent. */
(function () {
  "use strict";
  var script = document.currentScript;
  var endpoint = (script && script.getAttribute("data-endpoint")) || "/banners/v/";
  if (!("IntersectionObserver" in window) || !navigator.sendBeacon) return;
  var VIEW_MS = 1000;
  var SEND_MS = 3000;
  var MAX_BATCH = 50;
  var queue = [];
  var timers = new Map();
  var inView = new Set();
  var sendTimer = null;

  function send() {
    sendTimer = null;
    while (queue.length) {
      var batch = queue.splice(0, MAX_BATCH);
      var body = new Blob([JSON.stringify({ v: batch })], { type: "text/plain" });
      navigator.sendBeacon(endpoint, body);
    }
  }

  function seen(element, observer) {
    timers.delete(element);
    inView.delete(element);
    observer.unobserve(element);
    queue.push(element.getAttribute("data-view"));
    element.setAttribute("data-viewed", "");
    if (!sendTimer) sendTimer = setTimeout(send, SEND_MS);
  }

  function start(element, observer) {
    if (timers.has(element) || document.visibilityState !== "visible") return;
    timers.set(element, setTimeout(function () { seen(element, observer); }, VIEW_MS));
  }

  function stop(element) {
    clearTimeout(timers.get(element));
    timers.delete(element);
  }

  var observer = new IntersectionObserver(function (entries) {
    entries.forEach(function (entry) {
      if (entry.isIntersecting && entry.intersectionRatio >= 0.5) {
        inView.add(entry.target);
        start(entry.target, observer);
      } else {
        inView.delete(entry.target);
        stop(entry.target);
      }
    });
  }, { threshold: [0, 0.5] });

  document.querySelectorAll("[data-view]").forEach(function (element) {
    observer.observe(element);
  });

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") {
      inView.forEach(stop);  // a hidden tab shows nothing: the second starts again
      send();
    } else {
      inView.forEach(function (element) { start(element, observer); });
    }
  });
  window.addEventListener("pagehide", send);
})();
