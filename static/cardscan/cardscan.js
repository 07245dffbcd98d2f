// Business card upload: preview the photo, then show progress while it uploads and is read.
(function () {
  "use strict";
  var form = document.querySelector("form.cardscan-upload");
  if (!form) { return; }
  var input = form.querySelector("input[type=file]");
  var preview = form.querySelector(".cardscan-preview");
  var progress = form.querySelector(".cardscan-progress");
  var bar = progress ? progress.querySelector("progress") : null;
  var label = progress ? progress.querySelector(".cardscan-progress-label") : null;
  var button = form.querySelector("button[type=submit]");
  if (input && preview) {
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      // HEIC cannot be shown by most browsers: no preview then, the server converts it.
      if (file && /^image\/(jpeg|png|webp|gif)$/.test(file.type)) {
        preview.src = URL.createObjectURL(file);
        preview.hidden = false;
      } else {
        preview.hidden = true;
      }
    });
  }
  form.addEventListener("submit", function (event) {
    if (!window.XMLHttpRequest || !window.FormData || !progress || !bar) { return; }
    if (!input || !input.files || !input.files.length) { return; }
    event.preventDefault();
    progress.hidden = false;
    if (button) { button.disabled = true; }
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.getAttribute("action") || window.location.href);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) { bar.max = 100; bar.value = Math.round(e.loaded * 100 / e.total); }
    });
    xhr.upload.addEventListener("load", function () {
      bar.removeAttribute("value");  // indeterminate while the text is recognised
      if (label) { label.textContent = label.getAttribute("data-reading"); }
    });
    xhr.addEventListener("load", function () {
      if (xhr.status < 400 && xhr.responseURL && xhr.responseURL !== window.location.href) {
        window.location.assign(xhr.responseURL);  // the review page (or its progress)
      } else {
        // The photo was refused: send the form the ordinary way so the page shows why.
        form.submit();
      }
    });
    xhr.addEventListener("error", function () {
      progress.hidden = true;
      if (button) { button.disabled = false; }
      form.submit();
    });
    xhr.send(new FormData(form));
  });
}());
