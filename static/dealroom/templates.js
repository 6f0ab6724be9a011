// Room templates (rooms/settings.html, rooms/template_form.html): ask before deleting one; on
// the template's page add, move and remove rows (milestones, their tasks, resources), and put
// the chosen opportunity type's stages in the stage select. Without it the page still works:
// the "add" buttons ask the server for one more empty row, rows left empty are dropped, and the
// server checks the stage.
(function () {
  "use strict";

  document.addEventListener("submit", function (evt) {
    var form = evt.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) evt.preventDefault();
  });

  var form = document.querySelector("form[data-template-editor]");
  if (!form) return;
  var milestones = document.getElementById("template-milestones");
  var resources = document.getElementById("template-resources");
  // Keys name a row's fields (m3-title, t7-title): the order of the rows is the order of their
  // keys in the form, so a new row only needs a key no other row has.
  var nextKey = parseInt(form.dataset.nextKey || "0", 10);

  function showActions(root) {
    root.querySelectorAll("[data-row-actions]").forEach(function (actions) {
      actions.hidden = false;
    });
  }

  function newRow(templateId, milestoneKey) {
    var html = document.getElementById(templateId).innerHTML
      .replace(/__key__/g, String(nextKey++))
      .replace(/__task__/g, String(nextKey++))
      .replace(/__milestone__/g, milestoneKey || "");
    var holder = document.createElement("template");
    holder.innerHTML = html.trim();
    var row = holder.content.firstElementChild;
    showActions(row);
    return row;
  }

  function add(button) {
    var kind = button.dataset.templateAdd;
    var row;
    if (kind === "milestone") {
      row = newRow("template-milestone-blank");
      milestones.appendChild(row);
    } else if (kind === "task") {
      var milestone = button.closest("[data-milestone]");
      row = newRow("template-task-blank", milestone.dataset.key);
      milestone.querySelector("[data-tasks]").appendChild(row);
    } else {
      row = newRow("template-resource-blank");
      resources.appendChild(row);
    }
    var first = row.querySelector("input:not([type=hidden])");
    if (first) first.focus();
  }

  function move(button) {
    var row = button.closest("[data-row]");
    var up = button.dataset.rowMove === "up";
    var other = up ? row.previousElementSibling : row.nextElementSibling;
    if (!other || !other.hasAttribute("data-row")) return;
    row.parentNode.insertBefore(up ? row : other, up ? other : row);
    button.focus(); // moving the row took the focus away from the button
  }

  function remove(button) {
    button.closest("[data-row]").remove();
    if (!milestones.querySelector("[data-milestone]")) milestones.appendChild(newRow("template-milestone-blank"));
  }

  showActions(form);
  form.addEventListener("click", function (evt) {
    var button = evt.target.closest("[data-template-add], [data-row-move], [data-row-remove]");
    if (!button) return;
    evt.preventDefault();
    if (button.hasAttribute("data-template-add")) add(button);
    else if (button.hasAttribute("data-row-move")) move(button);
    else remove(button);
  });

  // The stage select holds the chosen type's stages only; the page keeps each type's in a
  // <template data-stages-for="type id">.
  var typeSelect = form.querySelector("[data-template-type]");
  var stageSelect = form.querySelector("[data-template-stage]");
  if (!typeSelect || !stageSelect) return;
  typeSelect.addEventListener("change", function () {
    while (stageSelect.options.length > 1) stageSelect.remove(1); // keep "when the room is created"
    var stages = document.querySelector('template[data-stages-for="' + CSS.escape(typeSelect.value) + '"]');
    if (stages) stageSelect.appendChild(stages.content.cloneNode(true));
  });
})();
