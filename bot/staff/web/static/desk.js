/* The desk's own script (no inline code: the Content-Security-Policy forbids it):
   the CSRF header on htmx requests, confirmations on forms with data-confirm, the
   Leaflet maps of elements with data-map (popups from each point's label and lines),
   print buttons (data-print), and focus on an answer's preview once htmx shows it. */
(function () {
  "use strict";

  var csrf = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener("htmx:configRequest", function (event) {
    if (csrf && csrf.content) {
      event.detail.headers["X-CSRF-Token"] = csrf.content;
    }
    // A filter left empty is no filter: keep it out of the address htmx puts in history.
    if (event.detail.verb === "get") {
      var empty = [];
      event.detail.formData.forEach(function (value, name) {
        if (value === "") {
          empty.push(name);
        }
      });
      empty.forEach(function (name) {
        event.detail.formData.delete(name);
      });
    }
  });

  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });

  var OSLO = [59.92, 10.82];

  // A marker's popup: its label, then each of its lines. Resident text never becomes
  // markup: every piece goes in as textContent.
  function popupFor(point) {
    var popup = document.createElement("div");
    popup.className = "popup";
    var title = document.createElement("strong");
    title.textContent = point.label;
    popup.appendChild(title);
    (point.lines || []).forEach(function (line) {
      var row = document.createElement("div");
      row.textContent = line;
      row.setAttribute("dir", "auto");
      popup.appendChild(row);
    });
    return popup;
  }

  // Who asked their system for less motion gets maps that jump instead of gliding.
  var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  function initMap(element) {
    var points = JSON.parse(element.getAttribute("data-points") || "[]");
    var map = L.map(element, {
      scrollWheelZoom: false,
      zoomAnimation: !still,
      fadeAnimation: !still,
      markerZoomAnimation: !still
    }).setView(OSLO, 11);
    L.tileLayer(element.getAttribute("data-tiles"), {
      maxZoom: 19,
      attribution: element.getAttribute("data-attribution")
    }).addTo(map);
    var layer = L.markerClusterGroup ? L.markerClusterGroup({ animate: !still }) : L.layerGroup();
    var bounds = [];
    points.forEach(function (point) {
      var marker = L.marker([point.lat, point.lon], { title: point.label, alt: point.label });
      marker.bindPopup(popupFor(point));
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

  // A print button (the impact page): no inline onclick, the CSP forbids it.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      window.print();
    }
  });

  // After htmx puts a preview (an answer, "you said, we did") on the page, take keyboard and screen-reader
  // users to it; a swapped list of results keeps the focus where it was (in the filters).
  document.addEventListener("htmx:afterSwap", function (event) {
    var heading = event.detail.target.querySelector("h3[tabindex='-1'], [role='alert']");
    if ((event.detail.target.id === "answer-preview" || event.detail.target.id === "area-preview") && heading) {
      if (!heading.hasAttribute("tabindex")) {
        heading.setAttribute("tabindex", "-1");
      }
      heading.focus();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.L) {
      return;
    }
    document.querySelectorAll("[data-map]").forEach(initMap);
  });
})();
