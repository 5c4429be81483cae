// The job page's islands: the lightbox, the before/after picker and the photo map.
import PhotoSwipeLightbox from "/static/vendor/photoswipe/photoswipe-lightbox.esm.min.js";

let box = null;

// The lightbox binds to the galleries present when it starts: started again when they are swapped.
function lightbox() {
  if (box) box.destroy();
  box = new PhotoSwipeLightbox({
    gallery: "[data-gallery]",
    children: "a[data-pswp-width]",
    pswpModule: () => import("/static/vendor/photoswipe/photoswipe.esm.min.js"),
    closeTitle: "Close",
    zoomTitle: "Zoom",
    arrowPrevTitle: "Previous photo",
    arrowNextTitle: "Next photo",
  });
  // The caption (when taken, by whom, tags, description, flags) is read from the thumbnail's tile.
  const opened = box;
  box.on("uiRegister", () => {
    opened.pswp.ui.registerElement({
      name: "caption",
      order: 9,
      isButton: false,
      appendTo: "root",
      onInit: (element, pswp) => {
        element.setAttribute("aria-live", "polite");
        pswp.on("change", () => {
          const source = pswp.currSlide.data.element;
          const caption = source && source.closest(".tile").querySelector(".caption");
          element.replaceChildren(...(caption ? [...caption.cloneNode(true).childNodes] : []));
        });
      },
    });
  });
  box.init();
}

// A picked photo's large rendition is the one its gallery thumbnail opens.
function comparison() {
  document.addEventListener("change", (event) => {
    const select = event.target.closest("select[data-compare]");
    const slider = document.querySelector("img-comparison-slider");
    const photo = select && document.querySelector(`a[data-photo="${select.value}"]`);
    if (!photo || !slider) return;
    slider.querySelector(`img[slot="${select.dataset.compare}"]`).src = photo.href;
  });
}

async function map(root = document) {
  const element = root.querySelector("#photo-map");
  if (!element || !window.L || element.dataset.ready) return;
  element.dataset.ready = "loading";
  const answer = await fetch(element.dataset.points, { credentials: "same-origin" });
  if (!answer.ok) {
    element.dataset.ready = "failed";
    return;
  }
  const points = await answer.json();
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

// New uploads show once they are sent; photos still processing are asked for again shortly.
// One refresh runs at a time: htmx drops a request aimed at a section already being swapped,
// so an upload that lands mid-refresh asks for one more pass instead of a request of its own.
const POLLS = 30;
let polls = 0;
let running = false;
let again = false;
function refresh(section) {
  return window.htmx.ajax("GET", window.location.pathname,
    { target: section, select: section, swap: "outerHTML" });
}
const pause = (milliseconds) => new Promise((resolve) => { setTimeout(resolve, milliseconds); });
async function refreshPhotos() {
  if (running) {
    again = true;
    return;
  }
  running = true;
  try {
    do {
      again = false;
      await refresh("#photos");
      while (!again && document.querySelector("#photos .pending") && polls++ < POLLS) {
        await pause(2000);
        await refresh("#photos");
      }
    } while (again);
    await refresh("#compare");
    await refresh("#map");
  } finally {
    running = false;
  }
  if (again) refreshPhotos();  // an upload landed while the other sections were refreshed
}
// Content htmx brings in gets its islands started like the page's own.
window.htmx.onLoad((element) => {
  if (element === document.body) return;
  if (element.querySelector("[data-gallery]")) lightbox();
  if (element.querySelector("#photo-map")) map(element);
});
document.addEventListener("jobshots:uploaded", () => { polls = 0; refreshPhotos(); });
