// The job page's islands: the lightbox, the before/after picker and the photo map.
import PhotoSwipeLightbox from "/static/vendor/photoswipe/photoswipe-lightbox.esm.min.js";

function lightbox() {
  const box = new PhotoSwipeLightbox({
    gallery: "[data-gallery]",
    children: "a[data-pswp-width]",
    pswpModule: () => import("/static/vendor/photoswipe/photoswipe.esm.min.js"),
    closeTitle: "Close",
    zoomTitle: "Zoom",
    arrowPrevTitle: "Previous photo",
    arrowNextTitle: "Next photo",
  });
  // The caption (when taken, by whom, tags, description) is read from the thumbnail's own markup.
  box.on("uiRegister", () => {
    box.pswp.ui.registerElement({
      name: "caption",
      order: 9,
      isButton: false,
      appendTo: "root",
      onInit: (element, pswp) => {
        element.setAttribute("aria-live", "polite");
        pswp.on("change", () => {
          const source = pswp.currSlide.data.element;
          const caption = source && source.querySelector(".caption");
          element.replaceChildren(...(caption ? [...caption.cloneNode(true).childNodes] : []));
        });
      },
    });
  });
  box.init();
}

function comparison() {
  const slider = document.querySelector("img-comparison-slider");
  if (!slider) return;
  for (const select of document.querySelectorAll("select[data-compare]")) {
    select.addEventListener("change", () => {
      const image = slider.querySelector(`img[slot="${select.dataset.compare}"]`);
      image.src = select.value;
    });
  }
}

function map() {
  const element = document.getElementById("photo-map");
  const data = document.getElementById("photo-points");
  if (!element || !data || !window.L) return;
  const points = JSON.parse(data.textContent);
  const photoMap = window.L.map(element, { scrollWheelZoom: false });
  window.L.tileLayer(element.dataset.tiles, {
    maxZoom: 19,
    attribution: element.dataset.attribution,
  }).addTo(photoMap);
  const markers = points.map((point) => {
    // Text nodes, never HTML: a photo's name is whatever its uploader typed.
    const popup = document.createElement("p");
    popup.append(point.label, document.createElement("br"),
      `${point.lat.toFixed(5)}, ${point.lng.toFixed(5)}`);
    return window.L.marker([point.lat, point.lng], { title: point.label, alt: point.label })
      .bindPopup(popup)
      .addTo(photoMap);
  });
  photoMap.fitBounds(window.L.featureGroup(markers).getBounds().pad(0.3), { maxZoom: 17 });
  element.dataset.ready = String(markers.length);
}

lightbox();
comparison();
map();

// New uploads show once the upload page says so; processing ones are asked for again shortly.
let refreshes = 0;
function refreshPhotos() {
  window.htmx.ajax("GET", window.location.pathname, { target: "#photos", select: "#photos", swap: "outerHTML" })
    .then(() => {
      if (document.querySelector("#photos .pending") && refreshes++ < 20) setTimeout(refreshPhotos, 2000);
    });
}
document.addEventListener("jobshots:uploaded", () => { refreshes = 0; refreshPhotos(); });
