// The deal board: drag a card to another column to move the deal (SortableJS). The server's
// stage gate decides; a refused move snaps back with its message. Other people's moves arrive
// through the live socket as a signal, and the board then reloads itself through the same URL
// and filters it was opened with, read as its own user.
(function () {
  "use strict";

  function csrfToken() {
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function showError(text) {
    var box = document.getElementById("board-error");
    if (!box) return;
    box.textContent = text;
    box.classList.remove("d-none");
  }

  function hideError() {
    var box = document.getElementById("board-error");
    if (box) box.classList.add("d-none");
  }

  function boardUrl() {
    var board = document.getElementById("board");
    var inner = board && board.querySelector("[data-query]");
    var query = inner ? inner.dataset.query : "";
    return board.dataset.boardUrl + (query ? "?" + query : "");
  }

  function reload() {
    if (!document.getElementById("board")) return;
    window.htmx.ajax("GET", boardUrl(), { target: "#board", swap: "innerHTML" });
  }

  // A refused move puts the card back where it was.
  function snapBack(evt) {
    var before = evt.from.children[evt.oldIndex] || null;
    evt.from.insertBefore(evt.item, before);
  }

  function move(evt) {
    var card = evt.item;
    var to = evt.to.dataset.stageId;
    var from = card.dataset.stageId;
    if (to === from) return;
    hideError();
    var body = new URLSearchParams({ stage: to, from_stage: from });
    fetch(card.dataset.moveUrl, {
      method: "POST",
      headers: { "X-CSRFToken": csrfToken(), "Accept": "application/json" },
      body: body,
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (data) { return { ok: response.ok, data: data }; });
    }).then(function (result) {
      if (result.ok) {
        card.dataset.stageId = to;
        reload(); // counts and totals of both columns
        return;
      }
      snapBack(evt);
      var data = result.data || {};
      var parts = [data.message || ""];
      Object.keys(data.fields || {}).forEach(function (key) {
        if (parts.indexOf(data.fields[key]) < 0) parts.push(data.fields[key]);
      });
      showError(parts.join(" "));
      if (data.code === "conflict") reload(); // show where the deal is now
    }).catch(function () {
      snapBack(evt);
      showError(document.getElementById("board").dataset.offline || "");
    });
  }

  function init(root) {
    if (!window.Sortable) return;
    root.querySelectorAll(".board-cards").forEach(function (column) {
      if (column.dataset.moveOk !== "1" || column.sortableBound) return;
      column.sortableBound = true;
      window.Sortable.create(column, {
        group: "board",
        draggable: ".board-card",
        animation: 150,
        delay: 150,            // on touch screens a short press starts a drag, a swipe scrolls
        delayOnTouchOnly: true,
        onEnd: move,
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var board = document.getElementById("board");
    if (board) init(board);
  });
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail.target && evt.detail.target.id === "board") init(evt.detail.target);
  });
  // Someone changed a deal this user may see: reload the board (a burst of changes once).
  var pending = null;
  document.addEventListener("htmx:oobAfterSwap", function (evt) {
    if (!evt.detail.target || evt.detail.target.id !== "live-board-signal") return;
    clearTimeout(pending);
    pending = setTimeout(reload, 250);
  });
})();
