// Dealroom's own sprinkles. No inline scripts anywhere (CSP); everything hangs off events.
(function () {
  "use strict";

  // The live socket (htmx ws extension). On every (re)connect tell the server the last event
  // this page has seen, so it can send what was missed while the socket was down.
  document.addEventListener("htmx:wsOpen", function (evt) {
    var cursor = document.getElementById("live-cursor");
    var after = cursor ? parseInt(cursor.dataset.cursor || "0", 10) : 0;
    // Tell the server which live targets this page has, so it only sends swaps that land.
    var has = ["#activity-feed", "#activity-empty", ".bell-value"].filter(function (sel) {
      return document.querySelector(sel) !== null;
    });
    // A deal board reloads itself when a deal changes (board.js).
    if (document.querySelector("[data-live-board]")) has.push("#live-board");
    // A record's timeline (customer detail pages) takes that record's events live.
    document.querySelectorAll("[data-live-timeline]").forEach(function (el) {
      has.push("#" + el.id);
    });
    evt.detail.socketWrapper.send(JSON.stringify({ type: "resume", after: after, has: has }));
    document.documentElement.dataset.live = "open";
  });
  document.addEventListener("htmx:wsClose", function () {
    document.documentElement.dataset.live = "closed";
  });

  // Live toasts fade out on their own after a while.
  document.addEventListener("htmx:oobAfterSwap", function (evt) {
    var stack = document.getElementById("toasts");
    if (!stack || evt.detail.target !== stack) return;
    var toast = stack.firstElementChild;
    if (!toast) return;
    setTimeout(function () { toast.remove(); }, 8000);
  });

  // File pickers in the page's language (rooms/_file_pick.html): the chosen names beside the
  // button, cleared when the form is reset (after it was sent).
  function showChosen(input) {
    var names = input.closest(".file-pick").nextElementSibling;
    if (!names || !names.hasAttribute("data-file-names")) return;
    names.textContent = Array.prototype.map.call(input.files || [], function (file) {
      return file.name;
    }).join(", ");
  }
  document.addEventListener("change", function (evt) {
    if (evt.target.classList && evt.target.classList.contains("file-pick-input")) {
      showChosen(evt.target);
    }
  });
  document.addEventListener("reset", function (evt) {
    var inputs = evt.target.querySelectorAll(".file-pick-input");
    // The form's fields are cleared after the reset event, not before.
    setTimeout(function () { inputs.forEach(showChosen); }, 0);
  });

  // Toast close buttons (Bootstrap's toast plugin needs instances; a click is enough here).
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest(".live-toast .btn-close");
    if (button) button.closest(".live-toast").remove();
  });
})();
