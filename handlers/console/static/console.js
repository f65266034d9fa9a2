// Swaps the console's live parts in place every few seconds, so the page never reloads; without
// this script the page refreshes itself whole (its <noscript> meta refresh).
(function () {
  "use strict";
  var parts = document.getElementById("live-parts");
  if (!parts) { return; }
  var every = Math.max(Number(parts.getAttribute("data-refresh")) || 15, 2) * 1000;
  function typing() {
    // A reason half-typed into a reassign form would be lost by the swap: wait for it.
    var active = document.activeElement;
    return active && active !== document.body && parts.contains(active);
  }
  function refresh() {
    fetch(parts.getAttribute("data-src"), { credentials: "same-origin" })
      .then(function (answer) {
        // Signed out meanwhile (logout elsewhere, a day's end): show the page that says so.
        if (answer.status === 401) { window.location.reload(); }
        if (!answer.ok) { throw new Error("HTTP " + answer.status); }
        return answer.text();
      })
      .then(function (html) { if (!typing()) { parts.innerHTML = html; } })
      .catch(function () { /* Offline for a moment: the next round tries again. */ })
      .then(function () { window.setTimeout(refresh, every); });
  }
  window.setTimeout(refresh, every);
}());
