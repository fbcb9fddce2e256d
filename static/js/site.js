// The reader site's few behaviours: article font size, print, link copy and sharing.
// Plain JavaScript loaded as a static file (no inline script, no third-party code).
(function () {
  "use strict";

  var FONT_KEY = "newsroom:font-size";
  var DEFAULT_SIZE = 3;

  function status(tools, message) {
    var box = tools.querySelector(".article-tools__status");
    if (box) {
      box.textContent = message;
      window.setTimeout(function () { box.textContent = ""; }, 4000);
    }
  }

  function readSize() {
    try {
      var stored = parseInt(window.localStorage.getItem(FONT_KEY), 10);
      return stored >= 1 && stored <= 5 ? stored : DEFAULT_SIZE;
    } catch (e) {
      return DEFAULT_SIZE;
    }
  }

  function applySize(body, size) {
    body.setAttribute("data-font-size", String(size));
    try { window.localStorage.setItem(FONT_KEY, String(size)); } catch (e) { /* private mode */ }
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text);
    }
    return new Promise(function (resolve, reject) {
      var field = document.createElement("textarea");
      field.value = text;
      field.setAttribute("readonly", "");
      field.className = "visually-hidden";
      document.body.appendChild(field);
      field.select();
      var ok = false;
      try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
      document.body.removeChild(field);
      if (ok) { resolve(); } else { reject(new Error("copy failed")); }
    });
  }

  function setUpArticleTools(tools) {
    var body = document.getElementById("article-body");
    var url = tools.getAttribute("data-share-url");
    var title = tools.getAttribute("data-share-title");
    if (body) {
      var size = readSize();
      if (size !== DEFAULT_SIZE) { body.setAttribute("data-font-size", String(size)); }
    }
    tools.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button) { return; }
      if (button.hasAttribute("data-font-step") && body) {
        var step = parseInt(button.getAttribute("data-font-step"), 10);
        var next = Math.min(5, Math.max(1, readSize() + step));
        applySize(body, next);
        status(tools, "글자 크기 " + next + "단계");
      } else if (button.hasAttribute("data-print")) {
        window.print();
      } else if (button.hasAttribute("data-copy-link")) {
        copyText(url).then(
          function () { status(tools, "기사 주소를 복사했습니다."); },
          function () { status(tools, "복사하지 못했습니다. 주소: " + url); }
        );
      } else if (button.hasAttribute("data-share-native")) {
        // KakaoTalk without Kakao's SDK: the phone's share sheet offers KakaoTalk; elsewhere
        // the link is copied to paste into a KakaoTalk chat.
        if (navigator.share) {
          navigator.share({ title: title, url: url }).catch(function () { /* cancelled */ });
        } else {
          copyText(url).then(
            function () { status(tools, "주소를 복사했습니다. 카카오톡 대화창에 붙여 넣어 공유하세요."); },
            function () { status(tools, "복사하지 못했습니다. 주소: " + url); }
          );
        }
      }
    });
  }

  function showCurrentSection() {
    // On a phone the section menu scrolls sideways: bring the current section into view.
    var current = document.querySelector(".gnb__link[aria-current]");
    var list = current && current.closest(".gnb__list");
    if (list && list.scrollWidth > list.clientWidth) {
      list.scrollLeft = Math.max(0, current.offsetLeft - list.clientWidth / 2 + current.offsetWidth / 2);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    showCurrentSection();
    var tools = document.querySelectorAll(".article-tools");
    for (var i = 0; i < tools.length; i++) { setUpArticleTools(tools[i]); }
  });
})();
