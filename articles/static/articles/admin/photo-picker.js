/* Our photo picker (사진 DB): a modal <dialog> that searches the photo library or uploads a new
   picture into it (articles/picker.py) and hands one photo back.

   - "body" mode: opened by the body's image button (photo-plugin.js), the photo goes into the
     body as a <figure> (figureHtml below).
   - "lead" mode: opened by the article form's lead photo field (articles/widgets.py), the
     photo becomes the article's lead photo, shown as a preview with a 지우기 button.

   Keyboard and screen readers: the native modal dialog keeps the focus inside and closes on
   Escape; the two tabs follow the tab pattern (arrow keys); results are buttons; what happens
   is announced in a live region and errors in an alert. Everything from the server or the user
   (captions, credits, messages) is set as text, never as HTML. */
(function () {
  "use strict";

  var count = 0;
  var MODES = {
    body: { title: "본문에 사진 넣기", hint: "사진을 고르면 커서 자리에 사진 설명과 함께 들어갑니다.", upload: "올리고 본문에 넣기" },
    lead: { title: "대표 사진 고르기", hint: "사진을 고르면 이 기사의 대표 사진이 됩니다.", upload: "올리고 대표 사진으로" },
  };

  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function el(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      var value = attributes[name];
      if (value === null || value === undefined || value === false) return;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    });
    (children || []).forEach(function (child) {
      if (child) node.appendChild(child);
    });
    return node;
  }

  /* The markup a body photo is inserted as. Built as nodes in a document of its own, so a
     caption is always text; the server's sanitizer checks it again on save. */
  function figureHtml(photo) {
    var doc = document.implementation.createHTMLDocument("");
    var figure = doc.createElement("figure");
    figure.className = "photo";
    figure.setAttribute("data-photo", String(Number(photo.id)));
    var image = doc.createElement("img");
    image.setAttribute("src", photo.body.src);
    image.setAttribute("srcset", photo.body.srcset);
    image.setAttribute("sizes", photo.body.sizes);
    image.setAttribute("alt", photo.caption || "");
    image.setAttribute("width", String(Number(photo.body.width)));
    image.setAttribute("height", String(Number(photo.body.height)));
    figure.appendChild(image);
    if (photo.caption || photo.credit) {
      var caption = doc.createElement("figcaption");
      caption.appendChild(doc.createTextNode(photo.caption || ""));
      if (photo.credit) {
        if (photo.caption) caption.appendChild(doc.createTextNode(" "));
        var credit = doc.createElement("span");
        credit.className = "credit";
        credit.textContent = photo.credit;
        caption.appendChild(credit);
      }
      figure.appendChild(caption);
    }
    return figure.outerHTML;
  }

  function describe(photo) {
    return (photo.caption || "설명 없는 사진") + (photo.credit ? " · " + photo.credit : "");
  }

  /* A JSON answer of ours, or an Error with a Korean message (a signed-out session answers
     the login page, a proxy may answer HTML). */
  function readAnswer(response) {
    var type = response.headers.get("Content-Type") || "";
    if (type.indexOf("application/json") !== 0) {
      throw new Error("로그인이 끝났거나 서버가 응답하지 않습니다. 페이지를 새로 고친 뒤 다시 시도하세요.");
    }
    return response.json().then(function (answer) {
      if (!response.ok) throw new Error(answer.error || "요청을 처리하지 못했습니다.");
      return answer;
    });
  }

  function open(options) {
    var mode = MODES[options.mode] ? options.mode : "body";
    var text = MODES[mode];
    var id = "photo-picker-" + ++count;
    var chosen = false;
    var nextPage = null;
    var query = "";
    var searching = null;

    var title = el("h2", { id: id + "-title", text: text.title });
    var close = el("button", { type: "button", className: "photo-picker__close", text: "닫기" });
    var tabSearch = el("button", {
      type: "button", role: "tab", id: id + "-tab-search", "aria-controls": id + "-search",
      "aria-selected": "true", text: "사진 DB에서 찾기",
    });
    var tabUpload = el("button", {
      type: "button", role: "tab", id: id + "-tab-upload", "aria-controls": id + "-upload",
      "aria-selected": "false", tabindex: "-1", text: "새 사진 올리기",
    });
    var tabs = el("div", { role: "tablist", className: "photo-picker__tabs", "aria-label": "사진 가져오는 방법" }, [tabSearch, tabUpload]);

    var input = el("input", {
      type: "search", id: id + "-q", name: "q", maxlength: "100", autocomplete: "off",
      "aria-describedby": id + "-hint",
    });
    var searchForm = el("form", { role: "search", className: "photo-picker__search" }, [
      el("label", { for: id + "-q", text: "설명·촬영·키워드로 찾기" }),
      el("div", { className: "photo-picker__row" }, [input, el("button", { type: "submit", text: "찾기" })]),
    ]);
    var status = el("p", { className: "photo-picker__status", role: "status", "aria-live": "polite" });
    var results = el("ul", { className: "photo-picker__results", "aria-label": "찾은 사진" });
    var more = el("button", { type: "button", className: "photo-picker__more", hidden: true, text: "더 보기" });
    var searchPanel = el("section", {
      role: "tabpanel", id: id + "-search", "aria-labelledby": id + "-tab-search", className: "photo-picker__panel",
    }, [searchForm, el("p", { id: id + "-hint", className: "photo-picker__hint", text: text.hint }), status, results, more]);

    var file = el("input", {
      type: "file", id: id + "-file", name: "file", required: true,
      accept: "image/jpeg,image/png,image/webp,image/gif",
    });
    var captionInput = el("textarea", {
      id: id + "-caption", name: "caption", rows: "2", maxlength: "300", required: true,
      "aria-describedby": id + "-caption-help",
    });
    var creditInput = el("input", { type: "text", id: id + "-credit", name: "credit", maxlength: "100" });
    var uploadError = el("p", { className: "photo-picker__error", role: "alert" });
    var uploadButton = el("button", { type: "submit", className: "default", text: text.upload });
    var uploadForm = el("form", { className: "photo-picker__upload", novalidate: true }, [
      el("p", {}, [el("label", { for: id + "-file", text: "사진 파일 (JPEG, PNG, WebP, GIF)" }), file]),
      el("p", {}, [
        el("label", { for: id + "-caption", text: "사진 설명 (필수)" }),
        captionInput,
        el("span", {
          id: id + "-caption-help", className: "photo-picker__help",
          text: "본문의 사진 설명이 되고, 사진을 볼 수 없는 독자에게는 사진 대신 읽힙니다.",
        }),
      ]),
      el("p", {}, [el("label", { for: id + "-credit", text: "촬영·출처" }), creditInput]),
      uploadError,
      el("div", { className: "photo-picker__row" }, [uploadButton]),
    ]);
    var uploadPanel = el("section", {
      role: "tabpanel", id: id + "-upload", "aria-labelledby": id + "-tab-upload", hidden: true,
      className: "photo-picker__panel",
    }, [uploadForm]);

    var dialog = el("dialog", { className: "photo-picker", "aria-labelledby": id + "-title", "data-mode": mode }, [
      el("div", { className: "photo-picker__head" }, [title, close]),
      tabs,
      searchPanel,
      uploadPanel,
    ]);

    function choose(photo) {
      chosen = true;
      dialog.close();
      options.onChoose(photo);
    }

    function selectTab(tab) {
      [tabSearch, tabUpload].forEach(function (each) {
        var on = each === tab;
        each.setAttribute("aria-selected", on ? "true" : "false");
        each.tabIndex = on ? 0 : -1;
        document.getElementById(each.getAttribute("aria-controls")).hidden = !on;
      });
      tab.focus();
    }

    function photoButton(photo) {
      var image = el("img", {
        src: photo.thumb.url, alt: "", width: photo.thumb.width, height: photo.thumb.height, loading: "lazy",
      });
      var button = el("button", { type: "button", className: "photo-picker__photo", "data-photo": photo.id }, [
        image,
        el("span", { className: "photo-picker__caption", text: photo.caption || "설명 없는 사진" }),
        photo.credit ? el("span", { className: "photo-picker__credit", text: photo.credit }) : null,
        el("span", { className: "photo-picker__size", text: photo.width + "×" + photo.height }),
      ]);
      button.addEventListener("click", function () { choose(photo); });
      return el("li", {}, [button]);
    }

    function search(page) {
      if (searching) searching.abort();
      var controller = window.AbortController ? new AbortController() : null;
      searching = controller;
      var url = options.searchUrl + "?" + new URLSearchParams({ q: query, page: String(page) });
      status.textContent = "찾는 중…";
      more.hidden = true;
      fetch(url, { credentials: "same-origin", signal: controller ? controller.signal : undefined })
        .then(readAnswer)
        .then(function (answer) {
          if (page === 1) results.replaceChildren();
          answer.photos.forEach(function (photo) { results.appendChild(photoButton(photo)); });
          var shown = results.children.length;
          if (!shown) {
            status.textContent = query
              ? "‘" + query + "’에 맞는 사진이 없습니다. 새 사진 올리기에서 올릴 수 있습니다."
              : "사진 DB에 사진이 없습니다. 새 사진 올리기에서 올릴 수 있습니다.";
          } else {
            status.textContent = (query ? "‘" + query + "’ 사진 " : "최근 사진 ") + shown + "장" +
              (answer.next_page ? " (더 있음)" : "");
          }
          nextPage = answer.next_page;
          more.hidden = !nextPage;
        })
        .catch(function (error) {
          if (error.name === "AbortError") return;
          status.textContent = error.message;
        });
    }

    searchForm.addEventListener("submit", function (event) {
      event.preventDefault();
      query = input.value.trim();
      search(1);
    });
    more.addEventListener("click", function () {
      var first = results.children.length;
      search(nextPage);
      // Keep the keyboard where the new results begin, not on a button that may hide.
      var watch = new MutationObserver(function () {
        var item = results.children[first];
        if (item) {
          watch.disconnect();
          item.querySelector("button").focus();
        }
      });
      watch.observe(results, { childList: true });
    });

    uploadForm.addEventListener("submit", function (event) {
      event.preventDefault();
      uploadError.textContent = "";
      if (!file.files.length) {
        uploadError.textContent = "올릴 사진 파일을 선택하세요.";
        file.focus();
        return;
      }
      if (!captionInput.value.trim()) {
        uploadError.textContent = "사진 설명을 입력하세요. 사진을 볼 수 없는 독자에게 대신 읽히는 글입니다.";
        captionInput.focus();
        return;
      }
      var form = new FormData(uploadForm);
      uploadButton.disabled = true;
      uploadButton.textContent = "올리는 중…";
      fetch(options.uploadUrl, {
        method: "POST", body: form, credentials: "same-origin", headers: { "X-CSRFToken": csrfToken() },
      })
        .then(readAnswer)
        .then(function (answer) { choose(answer.photo); })
        .catch(function (error) {
          uploadError.textContent = error.message;
        })
        .then(function () {
          uploadButton.disabled = false;
          uploadButton.textContent = text.upload;
        });
    });

    tabs.addEventListener("click", function (event) {
      var tab = event.target.closest("[role=tab]");
      if (tab) selectTab(tab);
    });
    tabs.addEventListener("keydown", function (event) {
      if (["ArrowLeft", "ArrowRight", "Home", "End"].indexOf(event.key) < 0) return;
      event.preventDefault();
      var other = document.activeElement === tabSearch ? tabUpload : tabSearch;
      selectTab(event.key === "Home" ? tabSearch : event.key === "End" ? tabUpload : other);
    });
    close.addEventListener("click", function () { dialog.close(); });
    dialog.addEventListener("close", function () {
      if (searching) searching.abort();
      dialog.remove();
      if (options.onClose) options.onClose(chosen);
    });

    document.body.appendChild(dialog);
    dialog.showModal();
    input.focus();
    search(1);
    return dialog;
  }

  /* The article form's lead photo (articles/widgets.py): a hidden input holding the photo's id,
     a preview and two buttons. */
  function leadField(root) {
    var input = root.querySelector("input[type=hidden]");
    var preview = root.querySelector(".lead-photo__preview");
    var image = preview.querySelector("img");
    var caption = preview.querySelector("figcaption");
    var empty = root.querySelector(".lead-photo__empty");
    var chooseButton = root.querySelector(".lead-photo__choose");
    var clear = root.querySelector(".lead-photo__clear");
    var live = root.querySelector(".lead-photo__status");

    function show(photo) {
      input.value = photo ? String(photo.id) : "";
      preview.hidden = !photo;
      empty.hidden = !!photo;
      clear.hidden = !photo;
      if (photo) {
        image.src = photo.thumb.url;
        image.width = photo.thumb.width;
        image.height = photo.thumb.height;
        image.alt = photo.caption || "";
        caption.textContent = describe(photo);
      }
      chooseButton.textContent = photo ? "다른 사진 고르기" : "사진 고르기·올리기";
      live.textContent = photo ? "대표 사진: " + describe(photo) : "대표 사진을 지웠습니다.";
      input.dispatchEvent(new Event("change", { bubbles: true }));
    }

    chooseButton.addEventListener("click", function () {
      open({
        mode: "lead",
        searchUrl: root.dataset.searchUrl,
        uploadUrl: root.dataset.uploadUrl,
        onChoose: show,
        onClose: function () { chooseButton.focus(); },
      });
    });
    clear.addEventListener("click", function () {
      show(null);
      chooseButton.focus();
    });
  }

  function start() {
    document.querySelectorAll(".lead-photo[data-search-url]").forEach(leadField);
  }

  window.NewsroomPhotoPicker = { open: open, figureHtml: figureHtml };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
