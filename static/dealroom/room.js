// A deal room page, for sellers and guests alike. What changes arrives as small operations
// (<template data-op=…>, see dealroom/rooms/live.py) from two places: the answer to this page's
// own requests (htmx forms with hx-swap="none") and the room's socket. Applying them by element
// id makes both idempotent, so the poster's own comment is never shown twice.
(function () {
  "use strict";

  var room = document.getElementById("room");
  if (!room) return;

  function csrfToken() {
    try { return JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"]; } catch (e) { return ""; }
  }

  // -- operations ----------------------------------------------------------------------------

  function place(el, into, mode) {
    var existing = el.id ? document.getElementById(el.id) : null;
    if (existing) { existing.replaceWith(el); return el; }
    var container = into ? document.querySelector(into) : null;
    if (!container) return null;
    if (mode === "prepend") container.prepend(el); else container.append(el);
    return el;
  }

  // The room's discussion reads top to bottom: keep it scrolled to the newest comment unless
  // the reader has scrolled up to read older ones.
  function threadBox() { return document.querySelector("#room-discussion .thread-body"); }
  function nearBottom(box) { return !box || box.scrollHeight - box.scrollTop - box.clientHeight < 80; }
  function toBottom(box) { if (box) box.scrollTop = box.scrollHeight; }

  function applyOps(html) {
    var box = threadBox();
    var follow = nearBottom(box);
    var holder = document.createElement("template");
    holder.innerHTML = html;
    var touched = [];
    // Top-level operations only (":scope >" does not work on a DocumentFragment).
    var ops = Array.prototype.filter.call(holder.content.children, function (el) {
      return el.tagName === "TEMPLATE" && el.dataset.op;
    });
    // What happened up to an event the page already has (the socket's copy of this page's own
    // answer, or the answer after the socket's copy) is on the page: applying it again would
    // only swap elements under the reader's pointer (a click between press and release is lost).
    var reach = 0;
    ops.forEach(function (op) {
      if (op.dataset.op === "cursor") reach = Math.max(reach, parseInt(op.dataset.id || "0", 10));
    });
    var had = reach > 0 && reach <= parseInt(room.dataset.cursor || "0", 10);
    ops.forEach(function (op) {
      var kind = op.dataset.op;
      if (had && kind !== "me") return;
      if (kind === "cursor") {
        var id = parseInt(op.dataset.id || "0", 10);
        if (id > parseInt(room.dataset.cursor || "0", 10)) room.dataset.cursor = String(id);
      } else if (kind === "me") {
        room.dataset.me = op.dataset.id || "";
      } else if (kind === "remove") {
        var gone = document.getElementById(op.dataset.id);
        if (gone) gone.remove();
      } else if (kind === "replace") {
        var el = op.content.firstElementChild;
        var old = el && document.getElementById(el.id);
        // A section rendered earlier than the one on the page (a presence update read before
        // an invitation committed) must not replace it.
        var stale = old && old.dataset.stamp && el.dataset.stamp &&
          BigInt(el.dataset.stamp) < BigInt(old.dataset.stamp);
        if (old && !stale) {
          keepOpenState(old, el);
          keepMedia(old, el);
          var focus = keepTyping(old, el);
          old.replaceWith(el);
          touched.push(el);
          if (focus) focus();
        }
      } else if (kind === "upsert") {
        var item = op.content.firstElementChild;
        if (item && place(item, op.dataset.into, op.dataset.mode)) touched.push(item);
      } else if (kind === "upsert-many") {
        var items = Array.prototype.slice.call(op.content.children);
        if (op.dataset.mode === "prepend") items.reverse();
        items.forEach(function (child) {
          if (place(child, op.dataset.into, op.dataset.mode)) touched.push(child);
        });
      }
    });
    touched.forEach(function (el) { if (window.htmx) window.htmx.process(el); });
    decorate();
    if (follow) toBottom(box);
  }

  // What someone is typing survives a re-render of the section it is in (a guest joining must
  // not wipe a half-written invitation or task): changed fields keep their values, the focused
  // one its focus and caret. Returns what restores the focus once the new section is in.
  function keepTyping(oldEl, newEl) {
    oldEl.querySelectorAll("input[id], textarea[id], select[id]").forEach(function (field) {
      if (field.type === "file" || field.type === "hidden") return;
      var fresh = newEl.querySelector("#" + CSS.escape(field.id));
      if (!fresh) return;
      if (field.type === "checkbox" || field.type === "radio") {
        if (field.checked !== field.defaultChecked) fresh.checked = field.checked;
      } else if (field.tagName === "SELECT") {
        var chosen = Array.prototype.some.call(field.options, function (o) {
          return o.selected !== o.defaultSelected;
        });
        if (chosen) fresh.value = field.value;
      } else if (field.value !== field.defaultValue) {
        fresh.value = field.value;
      }
    });
    var active = document.activeElement;
    if (!active || !active.id || !oldEl.contains(active)) return null;
    var start = active.selectionStart, end = active.selectionEnd;
    return function () {
      var again = document.getElementById(active.id);
      if (!again) return;
      again.focus();
      if (start !== null && start !== undefined && again.setSelectionRange) {
        try { again.setSelectionRange(start, end); } catch (e) { /* not a text field */ }
      }
    };
  }

  // The same element in the fresh markup: found by the id of its nearest holder with one (a
  // resource's row, a task), then by its place among its kind there; not by its place in the
  // whole section, which a new row above it shifts.
  function counterpart(el, oldEl, newEl, selector) {
    var holder = el.parentElement.closest("[id]");
    var scope = holder && oldEl.contains(holder) && holder !== oldEl ? holder : oldEl;
    var index = Array.prototype.indexOf.call(scope.querySelectorAll(selector), el);
    var fresh = scope === oldEl ? newEl : newEl.querySelector("#" + CSS.escape(scope.id));
    return fresh ? fresh.querySelectorAll(selector)[index] || null : null;
  }

  // A video someone is watching plays on through a live update of its list: the playing
  // element itself takes its fresh copy's place. It is back in the page within the same task,
  // so it never pauses.
  function keepMedia(oldEl, newEl) {
    oldEl.querySelectorAll("video, audio").forEach(function (media) {
      if (media.paused && !media.currentTime) return;
      var fresh = counterpart(media, oldEl, newEl, media.tagName.toLowerCase());
      if (fresh && fresh.getAttribute("src") === media.getAttribute("src")) fresh.replaceWith(media);
    });
  }

  // Open menus and <details> survive a re-render of the section they are in.
  function keepOpenState(oldEl, newEl) {
    oldEl.querySelectorAll("details[open]").forEach(function (d) {
      var same = counterpart(d, oldEl, newEl, "details");
      if (same) same.open = true;
    });
    var collapse = oldEl.querySelector(".collapse.show");
    if (collapse && collapse.id) {
      var again = newEl.querySelector("#" + collapse.id);
      if (again) again.classList.add("show");
    }
  }

  // What the page does after any change: own comments get their buttons, bars their widths,
  // empty threads their hint, lists their drag handles.
  function decorate() {
    var me = room.dataset.me;
    document.querySelectorAll(".comment[data-author]").forEach(function (c) {
      var actions = c.querySelector(".comment-own-actions");
      if (actions) actions.hidden = !me || c.dataset.author !== me;
    });
    // Controls only certain people may use: a file's uploader, a task's author or assignees
    // (the page is rendered alike for every reader of a kind; the server checks again). A
    // task's box stays in sight for the others, only not to be ticked.
    function among(list) { return !!me && list.split(" ").indexOf(me) >= 0; }
    document.querySelectorAll("[data-owner]").forEach(function (el) {
      el.hidden = !among(el.dataset.owner);
    });
    document.querySelectorAll("[data-may]").forEach(function (el) {
      el.disabled = !among(el.dataset.may);
    });
    document.querySelectorAll("[data-width]").forEach(function (bar) {
      bar.style.width = Math.max(0, Math.min(100, parseInt(bar.dataset.width, 10) || 0)) + "%";
    });
    document.querySelectorAll(".thread").forEach(function (t) {
      var hint = t.parentElement.querySelector(".thread-empty");
      if (hint) hint.hidden = t.children.length > 0;
    });
    sortables();
  }

  // -- this page's own requests --------------------------------------------------------------

  // With the socket open, the answer is only the reader's member id: the change comes through
  // the socket (a page that resumed gets everything after its cursor, so nothing is missed).
  function answerHeaders() {
    var headers = { "X-Room-Cursor": room.dataset.cursor || "0" };
    if (room.dataset.live === "open") headers["X-Room-Live"] = "1";
    return headers;
  }
  document.addEventListener("htmx:configRequest", function (evt) {
    Object.assign(evt.detail.headers, answerHeaders());
  });

  // A form that is emptied once answered (data-reset) keeps what was typed into it while the
  // answer was on its way (a slow network): only what was sent is cleared.
  function typed(el) {
    return el.tagName === "TEXTAREA" ||
      (el.tagName === "INPUT" && ["file", "checkbox", "radio", "hidden", "submit", "button"].indexOf(el.type) < 0);
  }
  document.addEventListener("htmx:beforeRequest", function (evt) {
    var form = evt.detail.elt;
    if (!form || !form.hasAttribute || !form.hasAttribute("data-reset") || !form.elements) return;
    form.dealroomSent = Array.prototype.map.call(form.elements, function (el) { return el.value; });
  });
  function resetKeepingNewInput(form) {
    var sent = form.dealroomSent || [];
    var kept = [];
    Array.prototype.forEach.call(form.elements, function (el, i) {
      if (typed(el) && i < sent.length && el.value !== sent[i]) kept.push([el, el.value]);
    });
    form.reset();
    kept.forEach(function (pair) { pair[0].value = pair[1]; });
  }

  document.addEventListener("htmx:afterRequest", function (evt) {
    // Forms and buttons of the room that answer with operations (hx-swap="none").
    var form = evt.detail.elt;
    if (!form || form.getAttribute("hx-swap") !== "none" || !form.closest("#room")) return;
    var slot = form.querySelector("[data-form-error]");
    if (evt.detail.successful) {
      if (slot) slot.innerHTML = "";
      applyOps(evt.detail.xhr.responseText);
      if (form.hasAttribute("data-reset") && form.reset) resetKeepingNewInput(form);
      var details = form.closest("details");
      if (details && !form.hasAttribute("data-reset")) details.open = false;
    } else if (slot) {
      slot.innerHTML = evt.detail.xhr.responseText || "";
    }
  });

  // Enter sends a comment, Shift+Enter makes a new line (not while choosing a mention, nor
  // while an input method is composing: Enter picks the Chinese characters; Safari reports
  // that as keyCode 229). On a touch screen the keyboard has no Shift: Enter makes a new line
  // there and the Send button sends.
  var touchFirst = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
  document.addEventListener("keydown", function (evt) {
    var area = evt.target;
    if (evt.key !== "Enter" || evt.shiftKey || evt.isComposing || evt.keyCode === 229) return;
    if (touchFirst) return;
    if (!area.matches || !area.matches(".comment-form textarea")) return;
    if (document.querySelector(".mention-menu:not([hidden])")) return;
    evt.preventDefault();
    if (area.value.trim()) area.form.requestSubmit();
  });

  // -- drag to reorder -----------------------------------------------------------------------

  function postOrder(url, pairs) {
    var body = new URLSearchParams(pairs);
    fetch(url, {
      method: "POST",
      headers: Object.assign({ "X-CSRFToken": csrfToken(), "HX-Request": "true" }, answerHeaders()),
      body: body,
      credentials: "same-origin",
    }).then(function (response) {
      return response.text().then(function (text) { return { ok: response.ok, text: text }; });
    }).then(function (result) {
      if (result.ok) applyOps(result.text);
      else window.location.reload(); // the plan changed meanwhile: show it as it is
    });
  }

  function sortables() {
    if (!window.Sortable) return;
    document.querySelectorAll("[data-sortable-tasks]").forEach(function (list) {
      if (list.dataset.sortableReady) return;
      list.dataset.sortableReady = "1";
      window.Sortable.create(list, {
        group: "tasks",
        handle: ".task-handle",
        animation: 150,
        onEnd: function (evt) {
          var to = evt.to;
          var pairs = [["milestone", to.dataset.milestone || ""]];
          to.querySelectorAll(":scope > [data-task]").forEach(function (li) {
            pairs.push(["task", li.dataset.task]);
          });
          postOrder(to.dataset.orderUrl, pairs);
        },
      });
    });
    var milestones = document.querySelector("[data-sortable-milestones]");
    if (milestones && !milestones.dataset.sortableReady) {
      milestones.dataset.sortableReady = "1";
      window.Sortable.create(milestones, {
        handle: ".milestone-handle",
        animation: 150,
        onEnd: function () {
          var pairs = [];
          milestones.querySelectorAll(":scope > [data-milestone]").forEach(function (m) {
            if (m.dataset.milestone) pairs.push(["milestone", m.dataset.milestone]);
          });
          postOrder(milestones.dataset.orderUrl, pairs);
        },
      });
    }
  }

  // -- @mentions -----------------------------------------------------------------------------

  var menu = document.createElement("div");
  menu.className = "dropdown-menu mention-menu show";
  menu.hidden = true;
  menu.setAttribute("role", "listbox");
  document.body.appendChild(menu);
  var mentionFor = null;
  var asked = 0; // the latest search: an earlier answer arriving after it is dropped

  function closeMenu() { menu.hidden = true; mentionFor = null; asked += 1; }

  function mentionQuery(area) {
    var before = area.value.slice(0, area.selectionStart);
    // What follows "@" may be a whole address (someone not in the room: offered to invite).
    var match = /(^|\s)@([^\s\[\]()]{0,50})$/.exec(before);
    return match ? { q: match[2], start: before.length - match[2].length - 1 } : null;
  }

  function choose(area, start, person) {
    var token = "@[" + person.name.replace(/[\[\]]/g, "") + "](" + person.id + ") ";
    area.value = area.value.slice(0, start) + token + area.value.slice(area.selectionStart);
    var caret = start + token.length;
    area.setSelectionRange(caret, caret);
    area.focus();
    closeMenu();
  }

  document.addEventListener("input", function (evt) {
    var area = evt.target;
    if (!area.matches || !area.matches("textarea[data-mentions]")) return;
    var found = mentionQuery(area);
    if (!found) { closeMenu(); return; }
    var url = area.dataset.mentionsUrl || (document.querySelector("[data-mentions-url]") || {}).dataset.mentionsUrl;
    if (!url) return;
    var search = ++asked;
    fetch(url + "?q=" + encodeURIComponent(found.q), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : { people: [] }; })
      .then(function (data) {
        if (search !== asked) return;
        menu.innerHTML = "";
        data.people.forEach(function (person) {
          var item = document.createElement("button");
          item.type = "button";
          item.className = "dropdown-item";
          item.setAttribute("role", "option");
          item.textContent = person.name;
          if (person.guest) {
            var badge = document.createElement("span");
            badge.className = "badge bg-orange-lt ms-2";
            badge.textContent = room.dataset.guestLabel;
            item.appendChild(badge);
          }
          item.addEventListener("mousedown", function (e) { e.preventDefault(); choose(area, found.start, person); });
          menu.appendChild(item);
        });
        if (!data.people.length && data.invite) {
          var invite = document.createElement("a");
          invite.className = "dropdown-item";
          invite.href = "#room-people";
          invite.textContent = room.dataset.inviteLabel + " " + data.invite;
          invite.addEventListener("mousedown", function () {
            var email = document.getElementById("invite-email");
            if (email) { email.value = data.invite; email.focus(); }
            closeMenu();
          });
          menu.appendChild(invite);
        }
        if (!menu.children.length) { closeMenu(); return; }
        var box = area.getBoundingClientRect();
        menu.style.position = "absolute";
        menu.style.left = (window.scrollX + box.left) + "px";
        menu.style.top = (window.scrollY + box.bottom) + "px";
        menu.hidden = false;
        mentionFor = area;
      });
  });
  document.addEventListener("click", function (evt) { if (!menu.contains(evt.target)) closeMenu(); });
  document.addEventListener("keydown", function (evt) {
    if (menu.hidden || evt.target !== mentionFor) return;
    if (evt.key === "Escape") { closeMenu(); return; }
    if (evt.key === "Enter" || evt.key === "Tab") {
      var first = menu.querySelector(".dropdown-item");
      if (first) { evt.preventDefault(); first.dispatchEvent(new MouseEvent("mousedown")); }
    }
  });

  // -- the room's socket ---------------------------------------------------------------------

  var socket = null;
  var retry = 500;
  var beat = null;

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + room.dataset.socket);
    socket.onopen = function () {
      retry = 500;
      room.dataset.live = "open";
      socket.send(JSON.stringify({ type: "resume", after: parseInt(room.dataset.cursor || "0", 10) }));
      clearInterval(beat);
      beat = setInterval(function () {
        if (socket.readyState === 1) socket.send(JSON.stringify({ type: "beat" }));
      }, 30000);
    };
    socket.onmessage = function (evt) { applyOps(evt.data); };
    socket.onclose = function (evt) {
      room.dataset.live = "closed";
      clearInterval(beat);
      if (evt.code === 4404) { window.location.reload(); return; } // no longer ours: show why
      setTimeout(connect, retry);
      retry = Math.min(retry * 2, 15000);
    };
  }

  // A task's panel comes in by htmx: its own controls are shown like the page's.
  document.addEventListener("htmx:afterSwap", function (evt) {
    if (evt.detail.target && room.contains(evt.detail.target)) decorate();
  });

  decorate();
  toBottom(threadBox());
  connect();
})();

// -- resources: the guests' video heartbeat and the section's order -----------------------------
// A guest playing a resource's video in the page is timed while it plays (beat.js). Those who
// run the room drag resources into order; the order goes out through a hidden htmx form, so the
// answer's operations apply like any other.
(function () {
  "use strict";

  var room = document.getElementById("room");
  if (!room) return;

  // Media events do not bubble: listen in the capture phase.
  document.addEventListener("play", function (evt) {
    var video = evt.target;
    if (!video.matches || !video.matches("video[data-beat-url]") || !window.DealroomBeat) return;
    window.DealroomBeat.start(video.dataset.beatUrl, video);
  }, true);
  ["pause", "ended"].forEach(function (name) {
    document.addEventListener(name, function (evt) {
      if (window.DealroomBeat) window.DealroomBeat.stop(evt.target);
    }, true);
  });

  function sortableResources() {
    var list = document.querySelector("[data-sortable-resources]");
    if (!list || list.dataset.sortableReady || !window.Sortable) return;
    list.dataset.sortableReady = "1";
    window.Sortable.create(list, {
      handle: ".resource-handle",
      animation: 150,
      onEnd: function () {
        var form = document.querySelector("[data-resource-order]");
        if (!form) return;
        form.innerHTML = "";
        list.querySelectorAll(":scope > [data-resource]").forEach(function (li) {
          var input = document.createElement("input");
          input.type = "hidden";
          input.name = "resource";
          input.value = li.dataset.resource;
          form.appendChild(input);
        });
        form.requestSubmit();
      },
    });
  }
  document.addEventListener("htmx:afterRequest", function (evt) {
    var form = evt.detail.elt;
    if (form && form.hasAttribute && form.hasAttribute("data-resource-order") && !evt.detail.successful) {
      window.location.reload(); // the list changed meanwhile: show it as it is
    }
  });
  new MutationObserver(sortableResources).observe(room, { childList: true, subtree: true });
  sortableResources();
})();
