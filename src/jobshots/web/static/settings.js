// Settings forms that cannot be undone ask first; a secret shown once is selected for copying.
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
document.addEventListener("focusin", function (event) {
  if (event.target.classList && event.target.classList.contains("secret")) {
    event.target.select();
  }
});
