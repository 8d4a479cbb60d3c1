// Small conveniences; every page works without them.
// - Hovering or focusing a row of extracted fields highlights that field's box on the page.
// - A button under each page hides or shows the OCR line boxes.
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("article.document").forEach(function (article) {
      var boxes = function (name) { return article.querySelectorAll('.field-box[data-field="' + name + '"]'); };
      article.querySelectorAll("tr[data-field]").forEach(function (row) {
        row.tabIndex = 0;
        var on = function () { boxes(row.dataset.field).forEach(function (b) { b.classList.add("active"); }); };
        var off = function () { boxes(row.dataset.field).forEach(function (b) { b.classList.remove("active"); }); };
        row.addEventListener("mouseenter", on); row.addEventListener("focus", on);
        row.addEventListener("mouseleave", off); row.addEventListener("blur", off);
      });
      article.querySelectorAll("figure.page").forEach(function (figure) {
        var button = document.createElement("button");
        button.type = "button";
        var zh = document.documentElement.lang !== "en";
        var label = function () {
          var hidden = figure.classList.contains("ocr-hidden");
          button.textContent = zh ? (hidden ? "显示识别框" : "隐藏识别框") : (hidden ? "Show OCR boxes" : "Hide OCR boxes");
          button.setAttribute("aria-pressed", hidden ? "true" : "false");
        };
        button.addEventListener("click", function () { figure.classList.toggle("ocr-hidden"); label(); });
        label();
        figure.appendChild(button);
      });
    });
  });
})();
