// Range selection on the results histogram (progressive enhancement: without this file a click on
// a bar already narrows the search to its period). Drag from one bar to another, or press
// « Choisir une plage » and click the first and the last bar; Maj+clic does the same.
(function () {
  "use strict";

  function barOf(node, chart) {
    var bar = node && node.closest ? node.closest(".tl-bar") : null;
    return bar && chart.contains(bar) ? bar : null;
  }

  function rangeUrl(chart, a, b) {
    var from = a.getAttribute("data-from"), to = b.getAttribute("data-to");
    if (b.getAttribute("data-from") < from) {
      from = b.getAttribute("data-from");
      to = a.getAttribute("data-to");
    }
    var min = chart.getAttribute("data-min"), max = chart.getAttribute("data-max");
    if (min && min > from) { from = min; }  // stay within the date filter already there
    if (max && max < to) { to = max; }
    var url = new URL(chart.getAttribute("data-range-url"), window.location.href);
    url.searchParams.set("date_from", from);
    url.searchParams.set("date_to", to);
    return url.toString();
  }

  function setUp(chart) {
    var bars = Array.prototype.slice.call(chart.querySelectorAll(".tl-bar"));
    if (bars.length < 2) { return; }
    var section = chart.closest(".timeline");
    var help = section.querySelector(".timeline-drag-help");
    if (help) { help.hidden = false; }

    var tools = document.createElement("p");
    tools.className = "timeline-tools";
    var button = document.createElement("button");
    button.type = "button";
    button.textContent = "Choisir une plage";
    button.setAttribute("aria-pressed", "false");
    var status = document.createElement("span");
    status.setAttribute("role", "status");
    tools.appendChild(button);
    tools.appendChild(status);
    chart.parentNode.insertBefore(tools, chart.nextSibling);

    var anchor = null, dragStart = null, dragOver = null;

    function mark(a, b) {
      var i = bars.indexOf(a), j = bars.indexOf(b);
      var lo = Math.min(i, j), hi = Math.max(i, j);
      bars.forEach(function (bar, k) { bar.classList.toggle("tl-selected", a !== null && k >= lo && k <= hi); });
    }

    function reset() {
      anchor = null;
      mark(null, null);
      button.setAttribute("aria-pressed", "false");
      status.textContent = "";
    }

    function choose(bar) {
      if (!anchor) {
        anchor = bar;
        mark(bar, bar);
        button.setAttribute("aria-pressed", "true");
        status.textContent = "Début : " + bar.getAttribute("data-label") + ". Cliquez la dernière barre de la plage.";
        return;
      }
      status.textContent = "Plage : " + anchor.getAttribute("data-label") + " – " + bar.getAttribute("data-label") + "…";
      mark(anchor, bar);
      window.location.href = rangeUrl(chart, anchor, bar);
    }

    button.addEventListener("click", function () {
      if (button.getAttribute("aria-pressed") === "true") {
        reset();
      } else {
        button.setAttribute("aria-pressed", "true");
        status.textContent = "Cliquez la première barre de la plage.";
      }
    });

    chart.addEventListener("pointerdown", function (event) {
      var bar = barOf(event.target, chart);
      if (!bar || event.button !== 0 || event.pointerType === "touch") { return; }
      dragStart = bar;
      dragOver = bar;
      event.preventDefault();  // no text selection, no native drag of the link
    });

    chart.addEventListener("pointermove", function (event) {
      if (!dragStart) { return; }
      var bar = barOf(document.elementFromPoint(event.clientX, event.clientY), chart);
      if (bar && bar !== dragOver) {
        dragOver = bar;
        mark(dragStart, bar);
      }
    });

    document.addEventListener("pointerup", function () {
      if (!dragStart) { return; }
      var a = dragStart, b = dragOver;
      dragStart = dragOver = null;
      if (a !== b) {
        mark(a, b);
        window.location.href = rangeUrl(chart, a, b);
      } else if (!anchor) {
        mark(null, null);
      }
    });

    chart.addEventListener("click", function (event) {
      var bar = barOf(event.target, chart);
      if (!bar) { return; }
      if (event.shiftKey || button.getAttribute("aria-pressed") === "true") {
        event.preventDefault();
        choose(bar);
      }
    });

    chart.addEventListener("keydown", function (event) {
      if (event.key === "Escape") { reset(); }
    });
  }

  document.querySelectorAll(".timeline-chart[data-range-url]").forEach(setUp);
})();
