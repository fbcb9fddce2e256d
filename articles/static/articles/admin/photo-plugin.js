/* The body's image button (CKEditor 4 plugin "newsroomphoto", loaded by CKEditor from our static
   files, see articles/richtext.py). It replaces CKEditor's image dialogs and file browser: the
   button opens our photo picker (photo-picker.js), which searches the photo library or uploads
   into it and gives back one photo; the plugin inserts it as

     <figure class="photo" data-photo="N"><img src srcset sizes alt width height>
       <figcaption>caption <span class="credit">credit</span></figcaption></figure>

   held as one widget while editing (selected, moved and deleted whole; the caption stays
   editable). The server's sanitizer (articles/richtext.py) keeps only this markup. */
(function () {
  "use strict";

  var FIGURE =
    "figure(!photo)[!data-photo]; img[!src,srcset,sizes,alt,width,height,loading]; " +
    "figcaption; span(credit)";

  CKEDITOR.plugins.add("newsroomphoto", {
    requires: "widget",

    init: function (editor) {
      editor.widgets.add("newsroomphoto", {
        allowedContent: FIGURE,
        requiredContent: "figure(photo)[data-photo]",
        editables: {
          caption: { selector: "figcaption", allowedContent: "span(credit)" },
        },
        upcast: function (element) {
          return element.name === "figure" && element.hasClass("photo");
        },
      });

      editor.addCommand("newsroomPhoto", {
        allowedContent: FIGURE,
        requiredContent: "figure(photo)[data-photo]",
        canUndo: false, // the insertion below makes its own undo step
        exec: function (editor) {
          var picker = window.NewsroomPhotoPicker;
          if (!picker) return false;
          editor.lockSelection();
          picker.open({
            mode: "body",
            searchUrl: editor.config.photoSearchUrl,
            uploadUrl: editor.config.photoUploadUrl,
            onChoose: function (photo) {
              editor.focus();
              editor.unlockSelection(true);
              editor.insertHtml(picker.figureHtml(photo));
            },
            onClose: function (chosen) {
              if (!chosen) {
                editor.unlockSelection(true);
                editor.focus();
              }
            },
          });
          return true;
        },
      });

      // The toolbar names the button "Image" (CKEDITOR_CONFIGS); the icon is the skin's.
      editor.ui.addButton("Image", {
        label: "사진 넣기 (사진 DB에서 찾기·올리기)",
        command: "newsroomPhoto",
        toolbar: "insert,10",
        icon: "image",
      });
    },
  });
})();
