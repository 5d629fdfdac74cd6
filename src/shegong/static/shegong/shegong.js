// Progressive enhancements; every page works without them.
document.addEventListener("change", (event) => {
  const el = event.target;
  if (el instanceof HTMLSelectElement && el.hasAttribute("data-autosubmit") && el.form) {
    el.form.submit();
  }
});
// Sync the CSRF token for htmx requests after a login or logout replaced the cookie.
document.addEventListener("htmx:configRequest", (event) => {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  if (m) event.detail.headers["X-CSRFToken"] = decodeURIComponent(m[1]);
});
