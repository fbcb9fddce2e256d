/* The newsroom's editor glue: CKEditor uploads pictures by XHR with Django's CSRF token, so the
   server's upload view can keep its CSRF check. */
(function () {
  "use strict";
  function csrfToken() {
    var field = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (field) return field.value;
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }
  if (typeof CKEDITOR === "undefined") return;
  CKEDITOR.on("instanceCreated", function (event) {
    event.editor.on("fileUploadRequest", function (upload) {
      upload.data.fileLoader.xhr.setRequestHeader("X-CSRFToken", csrfToken());
    });
  });
})();
