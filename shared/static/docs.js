// Swagger UI for this service's /openapi.json, served with the page (no CDN, no inline script:
// the page's Content-Security-Policy allows scripts from this origin only).
window.addEventListener("DOMContentLoaded", function () {
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.specUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    // No badge fetched from validator.swagger.io: the page reaches this origin only.
    validatorUrl: null,
    // The token pasted into "Authorize" lives in this page only, never in localStorage.
    persistAuthorization: false,
  });
});
