/* qingdan request pages: item picking by search as you type, and showing the fields of the
   chosen mode. Hand-written, no dependencies; the pages work without it (plain fields). */
(function () {
  "use strict";

  function itemPicker(box) {
    var input = box.querySelector("input[type=search]");
    var results = box.querySelector(".picker__results");
    var picked = box.querySelector(".picker__picked");
    var url = box.getAttribute("data-url");
    var name = box.getAttribute("data-name");
    var multiple = box.getAttribute("data-multiple") === "1";
    var emptyText = box.getAttribute("data-empty") || "";
    var timer = null;
    var sequence = 0;

    function isPicked(id) {
      return !!picked.querySelector('input[value="' + id + '"]');
    }

    function add(item) {
      if (!multiple) { picked.innerHTML = ""; }
      if (isPicked(item.id)) { return; }
      var li = document.createElement("li");
      var label = document.createElement("label");
      var check = document.createElement("input");
      check.type = multiple ? "checkbox" : "radio";
      check.name = name;
      check.value = item.id;
      check.checked = true;
      label.appendChild(check);
      label.appendChild(document.createTextNode(" " + item.label));
      li.appendChild(label);
      picked.appendChild(li);
    }

    function render(items) {
      results.innerHTML = "";
      if (!items.length) {
        var none = document.createElement("li");
        none.className = "picker__empty";
        none.textContent = emptyText;
        results.appendChild(none);
        return;
      }
      items.forEach(function (item) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.className = "picker__result";
        button.setAttribute("data-id", item.id);
        button.textContent = item.label + (isPicked(item.id) ? " ✓" : "");
        button.addEventListener("click", function () {
          add(item);
          results.innerHTML = "";
          input.value = "";
          input.focus();
        });
        li.appendChild(button);
        results.appendChild(li);
      });
    }

    function search() {
      var q = input.value.trim();
      var mine = ++sequence;
      if (!q) { results.innerHTML = ""; return; }
      var request = new XMLHttpRequest();
      request.open("GET", url + (url.indexOf("?") < 0 ? "?" : "&") + "q=" + encodeURIComponent(q));
      request.setRequestHeader("Accept", "application/json");
      request.onload = function () {
        if (mine !== sequence || request.status !== 200) { return; }
        render(JSON.parse(request.responseText).results || []);
      };
      request.send();
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(search, 150);
    });
    input.addEventListener("keydown", function (event) {
      if (event.key === "Enter") {  // never submit the whole form from the search box
        event.preventDefault();
        var first = results.querySelector("button");
        if (first) { first.click(); }
      }
    });
    box.classList.add("picker--live");
  }

  function modeFields(form) {
    var radios = form.querySelectorAll("input[name=mode]");
    var sections = form.querySelectorAll("[data-mode-only]");
    function sync() {
      var mode = "";
      radios.forEach(function (radio) { if (radio.checked) { mode = radio.value; } });
      sections.forEach(function (section) {
        var modes = section.getAttribute("data-mode-only").split(" ");
        section.hidden = !!mode && modes.indexOf(mode) < 0;
      });
    }
    radios.forEach(function (radio) { radio.addEventListener("change", sync); });
    sync();
  }

  document.querySelectorAll("[data-item-picker]").forEach(itemPicker);
  document.querySelectorAll("form[data-request-form]").forEach(modeFields);
})();
