/* The newsroom's editor glue: CKEditor uploads pictures by XHR with Django's CSRF token, so the
   server's upload view can keep its CSRF check. Loaded after ckeditor.js (articles/richtext.py). */
(function () {
  "use strict";
  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  function addToken(upload) {
    // Runs between filetools' xhr.open (priority 5) and its xhr.send (priority 999).
    upload.data.fileLoader.xhr.setRequestHeader("X-CSRFToken", csrfToken());
  }
  function watch(editor) {
    if (editor.__newsroomCsrf) return;
    editor.__newsroomCsrf = true;
    editor.on("fileUploadRequest", addToken);
  }
  function start() {
    if (typeof CKEDITOR === "undefined") {
      setTimeout(start, 50);
      return;
    }
    CKEDITOR.on("instanceCreated", function (event) { watch(event.editor); });
    Object.keys(CKEDITOR.instances).forEach(function (name) { watch(CKEDITOR.instances[name]); });
  }
  start();
})();
