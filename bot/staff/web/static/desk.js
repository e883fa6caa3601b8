/* The desk's own script (no inline code: the Content-Security-Policy forbids it):
   the CSRF header on htmx requests, confirmations on forms with data-confirm, and the
   Leaflet maps of elements with data-map. */
(function () {
  "use strict";

  var csrf = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener("htmx:configRequest", function (event) {
    if (csrf && csrf.content) {
      event.detail.headers["X-CSRF-Token"] = csrf.content;
    }
  });

  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  var OSLO = [59.92, 10.82];

  function initMap(element) {
    var points = JSON.parse(element.getAttribute("data-points") || "[]");
    var map = L.map(element, { scrollWheelZoom: false }).setView(OSLO, 11);
    L.tileLayer(element.getAttribute("data-tiles"), {
      maxZoom: 19,
      attribution: element.getAttribute("data-attribution")
    }).addTo(map);
    var layer = L.markerClusterGroup ? L.markerClusterGroup() : L.layerGroup();
    var bounds = [];
    points.forEach(function (point) {
      var marker = L.marker([point.lat, point.lon], { title: point.label, alt: point.label });
      var popup = document.createElement("span");
      popup.textContent = point.label; // resident text never becomes markup
      marker.bindPopup(popup);
      layer.addLayer(marker);
      bounds.push([point.lat, point.lon]);
    });
    layer.addTo(map);
    if (bounds.length) {
      map.fitBounds(bounds, { maxZoom: 15, padding: [24, 24] });
    }
    element.setAttribute("data-map-ready", "1");
    return map;
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.L) {
      return;
    }
    document.querySelectorAll("[data-map]").forEach(initMap);
  });
})();
