/* The photo's focal point: a click (or tap) on the picture moves it; the two number inputs
   below are the keyboard's way (and hold the value the form saves). The marker and the crop
   previews follow either. The previews compute the same box as articles/photos.py crop_box:
   the largest box of the crop's proportions, centred on the point as far as the edges allow.
   No inline script: loaded by the photo's change form, under the admin's CSP. */
(function () {
  "use strict";

  function clamp(value) {
    return Math.min(1, Math.max(0, value));
  }

  function init(picker) {
    var inputX = document.getElementById("id_focal_x");
    var inputY = document.getElementById("id_focal_y");
    var frame = picker.querySelector(".focal-frame");
    var image = picker.querySelector(".focal-image");
    var marker = picker.querySelector(".focal-marker");
    if (!inputX || !inputY || !frame || !image || !marker) {
      return; // read-only for this user: no inputs, nothing to move
    }
    var previews = Array.prototype.map.call(
      picker.querySelectorAll(".focal-preview img"),
      function (img) {
        return { img: img, ratio: Number(img.getAttribute("width")) / Number(img.getAttribute("height")), live: false };
      }
    );
    picker.classList.add("is-active");
    frame.tabIndex = 0;
    frame.setAttribute("role", "group");

    function read() {
      var x = parseFloat(inputX.value);
      var y = parseFloat(inputY.value);
      return { x: isNaN(x) ? 0.5 : clamp(x), y: isNaN(y) ? 0.5 : clamp(y) };
    }

    function position(width, height, ratio, fx, fy) {
      var boxW = width / height > ratio ? height * ratio : width;
      var boxH = width / height > ratio ? height : width / ratio;
      var left = Math.min(Math.max(0, fx * width - boxW / 2), width - boxW);
      var top = Math.min(Math.max(0, fy * height - boxH / 2), height - boxH);
      var px = width - boxW > 0.5 ? (left / (width - boxW)) * 100 : 50;
      var py = height - boxH > 0.5 ? (top / (height - boxH)) * 100 : 50;
      return px.toFixed(2) + "% " + py.toFixed(2) + "%";
    }

    function show(moved) {
      var point = read();
      marker.hidden = false;
      marker.style.left = point.x * 100 + "%";
      marker.style.top = point.y * 100 + "%";
      frame.setAttribute(
        "aria-label",
        "초점 위치: 가로 " + point.x.toFixed(2) + ", 세로 " + point.y.toFixed(2) +
          ". 사진을 누르거나 화살표 키로 옮깁니다."
      );
      if (!moved || !image.naturalWidth) {
        return; // the stored crops are exact until the point moves
      }
      previews.forEach(function (preview) {
        if (!preview.live) {
          preview.img.src = preview.img.getAttribute("data-whole");
          preview.live = true;
        }
        preview.img.style.objectPosition = position(
          image.naturalWidth, image.naturalHeight, preview.ratio, point.x, point.y
        );
      });
    }

    function set(x, y) {
      inputX.value = clamp(x).toFixed(3);
      inputY.value = clamp(y).toFixed(3);
      inputX.dispatchEvent(new Event("change", { bubbles: true }));
      show(true);
    }

    frame.addEventListener("click", function (event) {
      var rect = image.getBoundingClientRect();
      set((event.clientX - rect.left) / rect.width, (event.clientY - rect.top) / rect.height);
    });
    frame.addEventListener("keydown", function (event) {
      var step = event.shiftKey ? 0.1 : 0.02;
      var point = read();
      var moves = {
        ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step]
      };
      var move = moves[event.key];
      if (move) {
        event.preventDefault();
        set(point.x + move[0], point.y + move[1]);
      }
    });
    [inputX, inputY].forEach(function (input) {
      input.addEventListener("input", function () { show(true); });
    });
    if (image.complete) {
      show(false);
    } else {
      image.addEventListener("load", function () { show(false); });
    }
  }

  function ready() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-focal-picker]"), init);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", ready);
  } else {
    ready();
  }
})();
