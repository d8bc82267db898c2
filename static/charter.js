// The charter and "your messages" on the phone page.
// The charter is open until its reader says they have read it; then it folds into a
// "Read the charter" button (remembered on this device). Below the form, this phone's own
// posts (the ids audience.js keeps) with what became of each: on the wall, waiting, not
// shown (with the charter rule, never the word), withdrawn; and a button to withdraw one.
// Asked again when a post is sent, when the wall shows or drops one of them, and every
// 20 s while one still waits (only while the page is visible).
(function () {
  "use strict";
  const { t, onFrames } = window.Clameur;
  const app = document.getElementById("app");
  if (!app) return;
  const slug = app.dataset.slug;
  const lang = app.dataset.lang || document.documentElement.lang || "fr";

  // ---- the charter ----
  const body = document.getElementById("charter-body");
  const ok = document.getElementById("charter-ok");
  const toggle = document.getElementById("charter-toggle");
  const READ = `clameur.charter.${slug}`;

  function fold(open) {
    body.hidden = !open;
    toggle.hidden = false;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.textContent = t(open ? "Hide the charter" : "Read the charter");
    ok.hidden = true;
  }

  if (body && ok && toggle) {
    let read = false;
    try { read = localStorage.getItem(READ) === "1"; } catch (err) { /* private mode */ }
    if (read) fold(false);
    else ok.hidden = false;
    ok.addEventListener("click", () => {
      try { localStorage.setItem(READ, "1"); } catch (err) { /* private mode */ }
      fold(false);
      toggle.focus();
    });
    toggle.addEventListener("click", () => fold(toggle.getAttribute("aria-expanded") !== "true"));
  }

  // ---- your messages ----
  const box = document.getElementById("mine");
  const list = document.getElementById("mine-list");
  const news = document.getElementById("mine-news");
  if (!box || !list) return;
  const MINE = `clameur.mine.${slug}`;
  const POLL_MS = 20000;
  const known = new Map(); // id -> status last shown
  let asked = "", timer = null;

  function ids() {
    try {
      const value = JSON.parse(localStorage.getItem(MINE) || "[]");
      return Array.isArray(value) ? value.filter((id) => /^[0-9a-z]{1,40}$/.test(id)).slice(-50) : [];
    } catch (err) {
      return [];
    }
  }

  function statusText(post) {
    if (post.status === "shown") return t("On the wall");
    if (post.status === "waiting") return t("Waiting for a moderator");
    if (post.status === "withdrawn") return t("Withdrawn");
    if (post.rule_label) return t("Not shown — outside the charter: {rule}", { rule: post.rule_label });
    return t("Not shown by the moderators");
  }

  function excerpt(text) {
    const chars = [...String(text || "")];
    return chars.length > 40 ? `${chars.slice(0, 40).join("")}…` : chars.join("");
  }

  function entry(post) {
    const li = document.createElement("li");
    li.dataset.id = post.id;
    li.dataset.status = post.status;
    const text = document.createElement("p");
    text.className = "mine-text";
    text.textContent = post.text;
    const state = document.createElement("p");
    state.className = "mine-status";
    state.textContent = statusText(post);
    li.append(text, state);
    if (post.status === "shown" || post.status === "waiting") {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "mine-withdraw";
      button.textContent = t("Withdraw");
      button.setAttribute("aria-label", t("Withdraw: {text}", { text: excerpt(post.text) }));
      button.addEventListener("click", () => withdraw(post, button));
      li.append(button);
    }
    return li;
  }

  function show(posts) {
    const changed = posts.filter((p) => known.has(p.id) && known.get(p.id) !== p.status);
    for (const p of posts) known.set(p.id, p.status);
    list.replaceChildren(...posts.slice().reverse().map(entry));
    box.hidden = posts.length === 0;
    if (news && changed.length) {
      news.textContent = changed.map((p) => `${excerpt(p.text)} — ${statusText(p)}`).join(". ");
    }
    clearTimeout(timer);
    if (posts.some((p) => p.status === "waiting")) timer = setTimeout(refresh, POLL_MS);
  }

  async function refresh() {
    const wanted = ids();
    asked = wanted.join(",");
    if (!wanted.length) { show([]); return; }
    if (document.hidden) { clearTimeout(timer); timer = setTimeout(refresh, POLL_MS); return; }
    try {
      const res = await fetch(`/api/events/${encodeURIComponent(slug)}/my-posts?ids=${asked}&lang=${lang}`,
        { headers: { Accept: "application/json" } });
      if (res.ok) show((await res.json()).items || []);
      else { clearTimeout(timer); timer = setTimeout(refresh, POLL_MS); }
    } catch (err) {
      clearTimeout(timer);
      timer = setTimeout(refresh, POLL_MS);
    }
  }

  async function withdraw(post, button) {
    if (!window.confirm(t("Withdraw this message? It leaves the wall and the moderators' queue."))) return;
    button.disabled = true;
    let res = null;
    try {
      res = await fetch(`/api/events/${encodeURIComponent(slug)}/my-posts/${encodeURIComponent(post.id)}`,
        { method: "DELETE" });
    } catch (err) { /* offline: said below */ }
    if (res && res.ok) {
      if (news) news.textContent = t("Your message was withdrawn.");
    } else if (news) {
      news.textContent = t("It could not be withdrawn ({status}): try again.", { status: res ? res.status : 0 });
    }
    refresh();
  }

  // A new post: audience.js added its id to the list this page reads.
  setInterval(() => { if (ids().join(",") !== asked) refresh(); }, 1000);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) refresh(); });
  onFrames((msg) => {
    const id = msg.type === "item" ? msg.item && msg.item.id : msg.type === "retract" ? msg.id : null;
    if (id && known.has(id)) refresh();
  });
  refresh();
})();
