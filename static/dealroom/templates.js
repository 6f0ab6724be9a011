// Room templates (rooms/settings.html, rooms/template_form.html): ask before deleting one; on
// the template's page add and remove milestone blocks, and offer only the stages of the chosen
// opportunity type. Without it the pages still work: "Add a milestone" asks the server for one
// more block, and the server checks the stage.
(function () {
  "use strict";

  document.addEventListener("submit", function (evt) {
    var form = evt.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) evt.preventDefault();
  });

  var list = document.getElementById("template-milestones");
  var blank = document.getElementById("template-milestone-blank");
  if (!list || !blank) return;

  function showRemoveButtons(root) {
    root.querySelectorAll("[data-milestone-remove]").forEach(function (button) {
      button.classList.remove("d-none");
    });
  }

  function addBlock() {
    var copy = blank.content.cloneNode(true);
    showRemoveButtons(copy);
    list.appendChild(copy);
    var input = list.lastElementChild && list.lastElementChild.querySelector("input");
    if (input) input.focus();
  }

  showRemoveButtons(list);
  document.addEventListener("click", function (evt) {
    if (evt.target.closest("[data-milestone-add]")) {
      evt.preventDefault();
      addBlock();
      return;
    }
    var remove = evt.target.closest("[data-milestone-remove]");
    if (remove) {
      remove.closest("[data-milestone]").remove();
      if (!list.querySelector("[data-milestone]")) addBlock();
    }
  });

  var typeSelect = document.querySelector("[data-template-type]");
  var stageSelect = document.querySelector("[data-template-stage]");
  if (!typeSelect || !stageSelect) return;

  function offerStagesOfType() {
    var chosen = typeSelect.value;
    var selected = stageSelect.selectedOptions[0];
    stageSelect.querySelectorAll("optgroup").forEach(function (group) {
      var ofType = group.dataset.type === chosen;
      if (!ofType && selected && group.contains(selected)) stageSelect.value = "";
      group.hidden = !ofType;
      group.disabled = !ofType;
    });
  }

  typeSelect.addEventListener("change", offerStagesOfType);
  offerStagesOfType();
})();
