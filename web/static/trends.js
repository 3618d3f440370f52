// The trends page: adds « l'image (PNG) » next to the SVG download, drawn from that SVG through a
// canvas (progressive enhancement: the CSV and SVG links work without this file).
(function () {
  "use strict";
  var place = document.querySelector(".trends-downloads");
  var svgLink = place && place.querySelector(".trends-svg-link");
  if (!svgLink || !window.HTMLCanvasElement) { return; }

  var button = document.createElement("button");
  button.type = "button";
  button.textContent = "l'image (PNG)";
  place.appendChild(document.createTextNode(" · "));
  place.appendChild(button);

  button.addEventListener("click", function () {
    var image = new Image();
    image.onload = function () {
      var scale = 2;
      var canvas = document.createElement("canvas");
      canvas.width = image.naturalWidth * scale;
      canvas.height = image.naturalHeight * scale;
      var context = canvas.getContext("2d");
      context.fillStyle = "#ffffff";
      context.fillRect(0, 0, canvas.width, canvas.height);
      context.drawImage(image, 0, 0, canvas.width, canvas.height);
      canvas.toBlob(function (blob) {
        var link = document.createElement("a");
        link.href = URL.createObjectURL(blob);
        link.download = place.getAttribute("data-png-name") || "tendances.png";
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
      }, "image/png");
    };
    image.src = svgLink.href;  // same origin: the canvas stays readable
  });
})();
