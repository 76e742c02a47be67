// The labelling page: ideas in, titles out, one choice per set sent as feedback.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { queue: [], next: 0, set: null, highlight: 0, busy: false };
  const mode = () => document.querySelector('input[name="mode"]:checked').value;
  const userId = () => $("user-id").value.trim();
  const titleCount = () => (mode() === "pair" ? 2 : Math.min(4, window.PREFLOOP.maxTitles));

  function showError(text) {
    $("error").textContent = text;
    $("error").hidden = !text;
  }

  function setBusy(busy, text) {
    state.busy = busy;
    $("titles").setAttribute("aria-busy", String(busy));
    $("suggest").disabled = busy;
    $("status").textContent = text || "";
    document.body.classList.toggle("loading", busy);
  }

  async function call(method, url, body) {
    const response = await fetch(url, {
      method,
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined,
    });
    let data = null;
    try { data = await response.json(); } catch (_) { data = { detail: response.statusText }; }
    if (!response.ok) {
      throw new Error((data && data.detail) || `the console answered ${response.status}`);
    }
    return { status: response.status, data };
  }

  async function loadQueue() {
    const own = localStorage.getItem("prefloop.queue");
    if (own) {
      state.queue = JSON.parse(own);
    } else {
      try { state.queue = (await call("GET", "/api/ideas")).data.ideas; } catch (e) { showError(e.message); }
    }
    state.next = Number(localStorage.getItem("prefloop.queue.next") || 0) % Math.max(state.queue.length, 1);
    $("queue-text").value = state.queue.join("\n");
  }

  function takeNextIdea() {
    if (!state.queue.length) return false;
    $("idea").value = state.queue[state.next % state.queue.length];
    state.next = (state.next + 1) % state.queue.length;
    localStorage.setItem("prefloop.queue.next", String(state.next));
    return true;
  }

  async function suggest() {
    const idea = $("idea").value.trim();
    if (!idea || state.busy) return;
    if (!userId()) { showError("Say who you are first: your choices are recorded under this name."); $("user-id").focus(); return; }
    showError("");
    state.set = null;
    $("titles").innerHTML = "";
    setBusy(true, "Writing titles… this takes a few seconds on a CPU.");
    try {
      const { data } = await call("POST", "/api/suggestions", { idea, n: titleCount(), user_id: userId() });
      state.set = data;
      state.highlight = 0;
      $("served-by").textContent = data.model_version;
      render();
      setBusy(false, `${data.suggestions.length} titles for “${idea}”.`);
    } catch (e) {
      setBusy(false, "");
      showError(`No titles: ${e.message}`);
    }
  }

  function render() {
    const box = $("titles");
    box.innerHTML = "";
    box.dataset.setId = state.set.suggestion_set_id;
    const list = document.createElement(mode() === "pair" ? "div" : "ol");
    list.className = mode() === "pair" ? "pair" : "choices";
    state.set.suggestions.forEach((s, i) => {
      const item = document.createElement(mode() === "pair" ? "div" : "li");
      const button = document.createElement("button");
      button.type = "button";
      button.className = "title" + (i === state.highlight ? " highlight" : "");
      button.dataset.index = String(i);
      const key = mode() === "pair" ? (i === 0 ? "←" : "→") : String(i + 1);
      button.innerHTML = `<kbd></kbd><span></span>`;
      button.querySelector("kbd").textContent = key;
      button.querySelector("span").textContent = s.text;
      button.addEventListener("click", () => choose("accept", i));
      item.appendChild(button);
      list.appendChild(item);
    });
    box.appendChild(list);
    const reject = document.createElement("button");
    reject.type = "button";
    reject.className = "reject";
    reject.textContent = "None of these (x)";
    reject.addEventListener("click", () => choose("reject_all"));
    box.appendChild(reject);
    // Keys act on the set from wherever the person is, unless they are typing
    // (their name, their own ideas): then focus stays where it is.
    if (!document.activeElement.matches("#user-id, #queue-text, #edit-text")) {
      box.querySelector(`.title[data-index="${state.highlight}"]`).focus();
    }
  }

  async function choose(action, index, editedText) {
    if (!state.set || state.busy) return;
    const set = state.set;
    const body = { suggestion_set_id: set.suggestion_set_id, action, user_id: userId() };
    if (action !== "reject_all") body.suggestion_id = set.suggestions[index].id;
    if (action === "edit") body.edited_text = editedText;
    setBusy(true, "Recording your choice…");
    try {
      const { status } = await call("POST", "/api/feedback", body);
      const what = action === "accept" ? `picked “${set.suggestions[index].text}”`
        : action === "edit" ? `wrote “${editedText}”` : "rejected all";
      setBusy(false, `Recorded: you ${what}${status === 202 ? " (waiting for its set to arrive)" : ""}.`);
      state.set = null;
      $("titles").innerHTML = "";
      refreshPanel();
      if (takeNextIdea()) await suggest();
    } catch (e) {
      setBusy(false, "");
      showError(`Not recorded: ${e.message}`);
    }
  }

  function openEdit() {
    if (!state.set) return;
    $("edit-box").hidden = false;
    $("edit-text").value = state.set.suggestions[state.highlight].text;
    $("edit-text").focus();
    $("edit-text").select();
  }

  function closeEdit() {
    $("edit-text").blur();
    $("edit-box").hidden = true;
  }

  function moveHighlight(step) {
    const count = state.set.suggestions.length;
    state.highlight = (state.highlight + step + count) % count;
    render();
    document.querySelector(`.title[data-index="${state.highlight}"]`).focus();
  }

  async function refreshPanel() {
    if (!userId()) return;
    try {
      const { data } = await call("GET", `/api/loop?user_id=${encodeURIComponent(userId())}`);
      $("choices-today").textContent = data.choices_today ?? "?";
      $("pairs-waiting").textContent = data.pairs_waiting ?? "?";
      $("next-round").textContent = data.next_round;
      $("active-version").textContent = data.active_version;
      $("panel-problems").textContent = data.problems.join(" ");
    } catch (e) {
      $("panel-problems").textContent = e.message;
    }
  }

  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target === $("edit-text")) {
      if (event.key === "Enter" && $("edit-text").value.trim()) {
        event.preventDefault();
        closeEdit();
        choose("edit", state.highlight, $("edit-text").value.trim());
      } else if (event.key === "Escape") {
        closeEdit();
      }
      return;
    }
    if (target.matches("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "n") { event.preventDefault(); if (takeNextIdea()) suggest(); return; }
    if (!state.set || state.busy) return;
    const count = state.set.suggestions.length;
    const digit = Number(event.key);
    if (mode() === "pick" && Number.isInteger(digit) && digit >= 1 && digit <= count) {
      event.preventDefault(); choose("accept", digit - 1);
    } else if (mode() === "pair" && (event.key === "ArrowLeft" || event.key === "ArrowRight")) {
      event.preventDefault(); choose("accept", event.key === "ArrowLeft" ? 0 : 1);
    } else if (mode() === "pick" && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
      event.preventDefault(); moveHighlight(event.key === "ArrowDown" ? 1 : -1);
    } else if (event.key === "e") {
      event.preventDefault(); openEdit();
    } else if (event.key === "x") {
      event.preventDefault(); choose("reject_all");
    }
  });

  $("idea-form").addEventListener("submit", (event) => { event.preventDefault(); suggest(); });
  $("next-idea").addEventListener("click", () => { if (takeNextIdea()) suggest(); });
  $("user-id").addEventListener("change", () => { localStorage.setItem("prefloop.user", userId()); refreshPanel(); });
  $("queue-save").addEventListener("click", () => {
    state.queue = $("queue-text").value.split("\n").map((l) => l.trim()).filter(Boolean);
    state.next = 0;
    localStorage.setItem("prefloop.queue", JSON.stringify(state.queue));
    if (takeNextIdea()) suggest();
  });
  document.querySelectorAll('input[name="mode"]').forEach((radio) => radio.addEventListener("change", () => {
    $("n-label").textContent = String(Math.min(4, window.PREFLOOP.maxTitles));
    if ($("idea").value.trim()) suggest();
  }));

  (async () => {
    $("user-id").value = localStorage.getItem("prefloop.user") || `person-${Math.random().toString(36).slice(2, 8)}`;
    localStorage.setItem("prefloop.user", userId());
    await loadQueue();
    refreshPanel();
    // Feedback whose set had not reached the feedback service yet (202) counts
    // a moment later, and rounds start on their own: keep the panel current.
    setInterval(refreshPanel, 5000);
    if (takeNextIdea()) await suggest();
  })();
})();
