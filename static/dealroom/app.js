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
  // The global search (core/_search_palette.html): the top bar's box, "/" or Ctrl-K (Cmd-K)
  // open it; arrow keys move through the hits, Enter opens one (or the full results page).
  function palette() { return document.getElementById("search-palette"); }
  function openPalette() {
    var dialog = palette();
    if (!dialog || dialog.open) return;
    dialog.showModal();
    var input = dialog.querySelector("input[name=q]");
    input.focus();
    input.select();
  }
  function typing(target) {
    return target.closest && target.closest("input, textarea, select, [contenteditable=''], [contenteditable=true]");
  }
  function hits(dialog) {
    return Array.prototype.slice.call(dialog.querySelectorAll("#search-palette-results a.list-group-item"));
  }
  function move(dialog, step) {
    var all = hits(dialog);
    if (!all.length) return;
    var at = all.findIndex(function (a) { return a.classList.contains("active"); });
    if (at >= 0) all[at].classList.remove("active");
    var next = all[(at + step + all.length) % all.length];
    if (at < 0 && step < 0) next = all[all.length - 1];
    next.classList.add("active");
    next.setAttribute("aria-selected", "true");
    next.scrollIntoView({ block: "nearest" });
  }
  document.addEventListener("click", function (evt) {
    if (evt.target.closest("[data-search-open]")) openPalette();
    var dialog = palette();
    // A click on the backdrop (the dialog element itself, outside its content) closes it.
    if (dialog && evt.target === dialog) dialog.close();
  });
  document.addEventListener("keydown", function (evt) {
    var dialog = palette();
    if (!dialog) return;
    var key = evt.key;
    if (!dialog.open) {
      if ((key === "k" || key === "K") && (evt.ctrlKey || evt.metaKey)) {
        evt.preventDefault();
        openPalette();
      } else if (key === "/" && !evt.ctrlKey && !evt.metaKey && !evt.altKey && !typing(evt.target)) {
        evt.preventDefault();
        openPalette();
      }
      return;
    }
    // Chrome's first Escape in a search field only clears it; one press closes here.
    if (key === "Escape") {
      evt.preventDefault();
      dialog.close();
    } else if (key === "ArrowDown" || key === "ArrowUp") {
      evt.preventDefault();
      move(dialog, key === "ArrowDown" ? 1 : -1);
    } else if (key === "Enter") {
      var active = dialog.querySelector("#search-palette-results a.active");
      if (active) {
        evt.preventDefault();
        window.location.assign(active.href);
      }
    }
  });
  // New hits: the first is chosen, so Enter opens the best one.
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail.target && evt.detail.target.id === "search-palette-results") {
      var first = evt.detail.target.querySelector("a.list-group-item");
      if (first) first.classList.add("active");
    }
  });

  // The sidebar folded to icons stays folded on the next page: Tabler toggles it, a cookie
  // tells the server, which renders the page folded from the start (no flash).
  document.addEventListener("tabler:sidebar-folded", function (evt) {
    var value = evt.detail && evt.detail.folded ? "folded" : "default";
    document.cookie = "sidebar=" + value + "; path=/; max-age=31536000; samesite=lax";
  });
})();
