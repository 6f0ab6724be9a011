// How long a guest looks at a resource, for the sellers' engagement panel. Something being
// looked at (a video playing in the room page, the viewer page of a PDF or image) says so once
// (start=1), then every 15 s while the page is visible sends the seconds since the previous
// beat, and the rest when the page is hidden or closed (end=1: the sellers' open pages are
// told the time then, and otherwise at most once a minute). The server counts at most 60
// seconds a beat, and guests only: sellers' pages carry no beat URL.
window.DealroomBeat = (function () {
  "use strict";

  var BEAT_MS = 15000;
  var started = {};
  var current = null; // { url, what, since }

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function send(url, fields) {
    fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken() },
      body: new URLSearchParams(fields),
      credentials: "same-origin",
      keepalive: true, // a beat sent as the page closes still arrives
    }).catch(function () { /* a lost beat only loses seconds */ });
  }

  function flush(end) {
    if (!current) return;
    var now = Date.now();
    var seconds = Math.round((now - current.since) / 1000);
    current.since = now;
    var fields = { seconds: String(Math.min(seconds, 60)) };
    if (end) fields.end = "1";
    if (seconds > 0) send(current.url, fields);
  }

  // `what`: the element being looked at (only one at a time is timed).
  function start(url, what) {
    if (current && current.what !== what) stop(current.what);
    if (!started[url]) { started[url] = true; send(url, { start: "1" }); }
    if (!current) current = { url: url, what: what, since: Date.now() };
  }

  function stop(what) {
    if (!current || current.what !== what) return;
    flush(true);
    current = null;
  }

  document.addEventListener("visibilitychange", function () {
    if (!current) return;
    if (document.visibilityState === "hidden") flush(true);
    else current.since = Date.now(); // time spent away is not viewing time
  });
  window.addEventListener("pagehide", function () { flush(true); });
  setInterval(function () {
    if (!current || document.visibilityState !== "visible") return;
    if (!document.contains(current.what)) { stop(current.what); return; }
    flush(false);
  }, BEAT_MS);

  // A viewer page: what it shows is looked at for as long as the page is open.
  var viewer = document.querySelector("[data-beat-open]");
  if (viewer) start(viewer.dataset.beatOpen, viewer);

  return { start: start, stop: stop };
})();
