/* Co-op Market search: autocomplete for the header search box (an ARIA 1.2 combobox),
   the search page's filter panel and sort control. No libraries; without this file
   everything still works as plain forms and links. */
(function () {
  "use strict";

  var DEBOUNCE_MS = 180;
  var MIN_CHARS = 2;

  function setUpCombobox(input) {
    var form = input.form;
    var list = document.getElementById("site-search-suggestions");
    var status = form.querySelector("[data-suggest-status]");
    if (!list) { return; }
    var timer = null;
    var pending = null;
    var options = [];
    var active = -1;
    var lastQuery = "";

    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", list.id);
    list.setAttribute("role", "listbox");

    function isOpen() { return !list.hidden; }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function open() {
      if (!options.length) { return; }
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
    }

    function highlight(index) {
      options.forEach(function (option, i) {
        var on = i === index;
        option.setAttribute("aria-selected", on ? "true" : "false");
        option.classList.toggle("is-active", on);
      });
      active = index;
      if (index >= 0) {
        input.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        input.removeAttribute("aria-activedescendant");
      }
    }

    function choose(index) {
      var option = options[index];
      if (!option) { return; }
      input.value = option.getAttribute("data-text");
      close();
      window.location.assign(option.getAttribute("data-url"));
    }

    function announce(count) {
      if (!status) { return; }
      if (!count) { status.textContent = ""; return; }
      var text = count === 1 ? input.getAttribute("data-status-one")
                             : input.getAttribute("data-status-many");
      status.textContent = (text || "").replace("{n}", String(count));
    }

    /* The option's text with the typed start of a word shown in bold. */
    function optionText(text, typed) {
      var fragment = document.createDocumentFragment();
      var lower = text.toLowerCase();
      var needle = typed.toLowerCase();
      var at = lower.indexOf(needle);
      while (at > 0 && /[\w\u00c0-\u024f]/.test(lower.charAt(at - 1))) {
        at = lower.indexOf(needle, at + 1);
      }
      if (at < 0 || !needle) {
        fragment.appendChild(document.createTextNode(text));
        return fragment;
      }
      fragment.appendChild(document.createTextNode(text.slice(0, at)));
      var strong = document.createElement("strong");
      strong.textContent = text.slice(at, at + needle.length);
      fragment.appendChild(strong);
      fragment.appendChild(document.createTextNode(text.slice(at + needle.length)));
      return fragment;
    }

    function render(suggestions, typed) {
      list.textContent = "";
      options = suggestions.map(function (suggestion, i) {
        var item = document.createElement("li");
        item.id = list.id + "-" + i;
        item.setAttribute("role", "option");
        item.setAttribute("aria-selected", "false");
        item.setAttribute("data-url", suggestion.url);
        item.setAttribute("data-text", suggestion.text);
        item.className = "suggestion suggestion-" + suggestion.kind;
        var text = document.createElement("span");
        text.className = "suggestion-text";
        text.appendChild(optionText(suggestion.text, typed));
        item.appendChild(text);
        var kind = input.getAttribute("data-kind-" + suggestion.kind);
        if (kind) {
          var hint = document.createElement("span");
          hint.className = "suggestion-kind";
          hint.textContent = kind;
          item.appendChild(hint);
        }
        list.appendChild(item);
        return item;
      });
      active = -1;
      input.removeAttribute("aria-activedescendant");
      announce(options.length);
      if (options.length) { open(); } else { close(); }
    }

    function fetchSuggestions() {
      var typed = input.value.trim();
      if (typed.length < MIN_CHARS) {
        lastQuery = typed;
        render([], typed);
        return;
      }
      if (typed === lastQuery && options.length) { open(); return; }
      lastQuery = typed;
      if (pending) { pending.abort(); }
      pending = new AbortController();
      var url = input.getAttribute("data-suggest-url") + "?q=" + encodeURIComponent(typed);
      fetch(url, { headers: { Accept: "application/json" }, signal: pending.signal })
        .then(function (response) { return response.ok ? response.json() : { suggestions: [] }; })
        .then(function (data) {
          if (input.value.trim() === typed) { render(data.suggestions || [], typed); }
        })
        .catch(function () { /* aborted or offline: the plain search still works */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, DEBOUNCE_MS);
    });

    input.addEventListener("keydown", function (event) {
      switch (event.key) {
        case "ArrowDown":
          event.preventDefault();
          if (!isOpen()) { open(); if (!isOpen()) { fetchSuggestions(); } return; }
          highlight(active + 1 >= options.length ? 0 : active + 1);
          break;
        case "ArrowUp":
          event.preventDefault();
          if (!isOpen()) { open(); return; }
          highlight(active - 1 < 0 ? options.length - 1 : active - 1);
          break;
        case "Enter":
          if (isOpen() && active >= 0) {
            event.preventDefault();
            choose(active);
          }
          break;
        case "Escape":
          if (isOpen()) {
            event.preventDefault();
            close();
          } else if (input.value) {
            event.preventDefault();
            input.value = "";
          }
          break;
        case "Tab":
          close();
          break;
      }
    });

    input.addEventListener("blur", function () { close(); });
    /* Coming back with the browser's Back button shows the page as it was left: closed. */
    window.addEventListener("pageshow", function () { close(); });

    /* Keep the focus in the box while clicking an option, then go there. */
    list.addEventListener("mousedown", function (event) { event.preventDefault(); });
    list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) { choose(options.indexOf(option)); }
    });
    list.addEventListener("mousemove", function (event) {
      var option = event.target.closest("[role=option]");
      if (option && options.indexOf(option) !== active) { highlight(options.indexOf(option)); }
    });
  }

  function setUpSearchPage() {
    /* The filter panel starts folded on phones and open on wider screens. */
    var wide = window.matchMedia && window.matchMedia("(min-width: 900px)").matches;
    document.querySelectorAll("[data-filter-panel]").forEach(function (panel) {
      if (wide) { panel.open = true; }
    });
    /* Sorting applies at once; the button stays for browsers without this file. */
    document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
      form.classList.add("is-enhanced");
      form.addEventListener("change", function () { form.submit(); });
    });
  }

  function start() {
    var input = document.querySelector("input[data-suggest-url]");
    if (input && window.fetch && window.AbortController) { setUpCombobox(input); }
    setUpSearchPage();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
