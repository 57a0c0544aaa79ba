/* torchdojo course book: render $...$ and $$...$$ in the narrative with the bundled KaTeX. */
(function () {
  "use strict";
  var DELIMITERS = [
    { left: "$$", right: "$$", display: true },
    { left: "\\[", right: "\\]", display: true },
    { left: "$", right: "$", display: false },
    { left: "\\(", right: "\\)", display: false }
  ];

  function renderMath(root) {
    if (typeof window.renderMathInElement !== "function") { return; }
    var parts = root.querySelectorAll(".jp-MarkdownCell, .jp-RenderedLatex, .dojo-math");
    for (var i = 0; i < parts.length; i++) {
      window.renderMathInElement(parts[i], { delimiters: DELIMITERS, throwOnError: false });
    }
  }

  window.dojoRenderMath = renderMath;
  document.addEventListener("DOMContentLoaded", function () { renderMath(document); });
})();
