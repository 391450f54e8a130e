// The browser's time zone: sent as a cookie (so times show in it) and chosen in time zone selects.
(function () {
  "use strict";
  var zone = "UTC";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; } catch (e) { /* keep UTC */ }
  var sent = document.cookie.split("; ").some(function (c) { return c === "editorial_tz=" + encodeURIComponent(zone); });
  if (!sent) {
    document.cookie = "editorial_tz=" + encodeURIComponent(zone) + "; path=/app; SameSite=Lax";
  }
  function chooseZones(root) {
    root.querySelectorAll("select[data-browser-zone]").forEach(function (select) {
      if (select.dataset.chosen) { return; }
      if (Array.prototype.some.call(select.options, function (o) { return o.value === zone; })) { select.value = zone; }
      select.dataset.chosen = "browser";
    });
  }
  document.addEventListener("DOMContentLoaded", function () { chooseZones(document); });
  document.addEventListener("htmx:afterSwap", function (event) { chooseZones(event.target); });
})();
