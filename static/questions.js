// Questions from the room, on the phone page and on the wall: the approved questions
// ranked by upvotes, live. The list is read once (GET /questions) and again after each
// reconnection; `votes` frames move counts and answers, `item` frames of kind "question"
// add one, `retract` frames take one away. On the phone: a "question" toggle in the post
// form, and one upvote per question (the server counts one per device anyway).
(function () {
  "use strict";
  const { t, onFrames, lang, el } = window.Clameur;
  const onWall = document.body.classList.contains("wall");
  const root = document.getElementById(onWall ? "wall" : "app");
  if (!root) return;
  const slug = root.dataset.slug;
  const WALL_SHOWN = 6;
  const UPVOTED = `clameur.upvoted.${slug}`;
  const upvoted = new Set(JSON.parse(localStorage.getItem(UPVOTED) || "[]"));
  const byId = new Map(); // id -> {id, text, author, votes, answer, note, received_at}
  let refetchTimer = null;

  function votesLabel(n) {
    const one = new Intl.PluralRules(lang).select(n) === "one";
    return t(one ? "{count} vote" : "{count} votes", { count: n.toLocaleString(lang) });
  }

  function answerLabel(q) {
    if (q.answer === "answered") return t("Answered");
    if (q.answer === "follow_up") return t("Follow-up promised");
    return "";
  }

  function ranked() {
    return [...byId.values()].sort((a, b) => b.votes - a.votes
      || String(a.received_at).localeCompare(String(b.received_at)) || a.id.localeCompare(b.id));
  }

  // ---- the list, drawn for the wall or for the phone ----
  const box = el("section", onWall ? "ask-panel ask-questions" : "questions-box");
  box.id = "questions";
  box.setAttribute("aria-labelledby", "questions-title");
  const title = el("h2", onWall ? "ask-title" : "", t("Questions from the room"));
  title.id = "questions-title";
  const list = el("ol", "question-list");
  list.id = "question-list";
  const empty = el("p", onWall ? "ask-empty" : "hint",
    t(onWall ? "No question yet: ask yours from your phone!" : "No question yet."));
  box.append(title, list, empty);
  if (onWall) {
    box.hidden = true;
    document.getElementById("stage").after(box);
  } else {
    const feedBox = document.querySelector(".feed-box");
    feedBox.before(box);
  }

  // A row is built once per question and then updated in place: votes arriving while a
  // finger, the keyboard or a screen reader is on an upvote button must not replace it
  // (the tap would be lost, the focus thrown to the page).
  const drawn = new Map(); // id -> its row

  function entry(q) {
    const li = el("li", "question");
    li.dataset.id = q.id;
    const count = el(onWall ? "div" : "button", "q-votes");
    if (!onWall) {
      count.type = "button";
      count.addEventListener("click", () => upvote(q.id));
    }
    const body = el("div", "q-body");
    body.append(el("p", "q-text", q.text), el("p", "q-meta"));
    li.append(count, body);
    return li;
  }

  function update(li, q, rank) {
    li.dataset.votes = String(q.votes);
    if (q.answer) li.dataset.answer = q.answer; else delete li.dataset.answer;
    const count = li.querySelector(".q-votes");
    const number = el("strong", "q-count", q.votes.toLocaleString(lang));
    if (onWall) count.replaceChildren(number, el("span", "q-unit", t(new Intl.PluralRules(lang).select(q.votes) === "one" ? "vote" : "votes")));
    else {
      count.replaceChildren(el("span", "q-arrow", "▲"), number);
      count.setAttribute("aria-label", `${t("Upvote")} (${votesLabel(q.votes)})`);
      count.setAttribute("aria-pressed", upvoted.has(q.id) ? "true" : "false");
      count.disabled = upvoted.has(q.id) || root.dataset.status === "closed";
    }
    const meta = li.querySelector(".q-meta");
    meta.replaceChildren();
    if (onWall) meta.append(el("span", "q-rank", `#${rank}`));
    meta.append(el("span", "q-author", q.author || t("Anonymous")));
    const answered = answerLabel(q);
    if (answered) {
      meta.append(el("span", `q-answer q-${q.answer}`, answered));
      if (q.note) meta.append(el("span", "q-note", q.note));
    }
  }

  // Redraw in rank order; rows that stay move smoothly to their new place (FLIP). Rows are
  // moved around, not rebuilt; a focused one that had to move gets its focus back.
  function draw() {
    const before = new Map([...list.children].map((li) => [li.dataset.id, li.getBoundingClientRect()]));
    const focused = document.activeElement;
    const rows = ranked().slice(0, onWall ? WALL_SHOWN : 50);
    const nodes = rows.map((q, i) => {
      let li = drawn.get(q.id);
      if (!li) { li = entry(q); drawn.set(q.id, li); }
      update(li, q, i + 1);
      return li;
    });
    const shown = new Set(rows.map((q) => q.id));
    for (const id of [...drawn.keys()]) if (!shown.has(id)) drawn.delete(id);
    nodes.forEach((li, i) => { if (list.children[i] !== li) list.insertBefore(li, list.children[i] || null); });
    while (list.children.length > nodes.length) list.lastElementChild.remove();
    if (focused && focused !== document.activeElement && list.contains(focused)) focused.focus({ preventScroll: true });
    if (onWall) fitRows();
    empty.hidden = rows.length > 0;
    root.dataset.questions = String(byId.size);
    if (window.Clameur.reducedMotion()) return;
    for (const li of list.children) {
      const was = before.get(li.dataset.id);
      if (!was) continue;
      const dy = was.top - li.getBoundingClientRect().top;
      if (dy) li.animate([{ transform: `translateY(${dy}px)` }, { transform: "none" }],
        { duration: 450, easing: "cubic-bezier(.2,.8,.2,1)" });
    }
  }

  // The wall shows whole rows only: those that would be cut at the bottom are left out
  // (the highest ranked always stay).
  function fitRows() {
    if (box.hidden) return;
    const bottom = list.getBoundingClientRect().bottom + 1;
    while (list.children.length > 1 && list.lastElementChild.getBoundingClientRect().bottom > bottom) {
      list.lastElementChild.remove();
    }
  }

  async function load() {
    try {
      const res = await fetch(`/api/events/${encodeURIComponent(slug)}/questions`);
      if (!res.ok) return;
      const body = await res.json();
      byId.clear();
      for (const q of body.items || []) byId.set(q.id, q);
      draw();
    } catch (err) { /* offline: the next reconnection reads it again */ }
  }

  function refetchSoon() {
    clearTimeout(refetchTimer);
    refetchTimer = setTimeout(load, 300);
  }

  async function upvote(id) {
    if (upvoted.has(id)) return;
    upvoted.add(id);
    localStorage.setItem(UPVOTED, JSON.stringify([...upvoted].slice(-500)));
    draw();
    try {
      const res = await fetch(`/api/events/${encodeURIComponent(slug)}/items/${encodeURIComponent(id)}/votes`,
        { method: "POST" });
      if (res.status === 200) {
        const q = byId.get(id);
        const body = await res.json();
        if (q && typeof body.votes === "number" && body.votes > q.votes) { q.votes = body.votes; draw(); }
        return;
      }
      if (res.status === 404) { byId.delete(id); draw(); return; }
      throw new Error(String(res.status));
    } catch (err) {
      upvoted.delete(id); // not counted: the button comes back
      localStorage.setItem(UPVOTED, JSON.stringify([...upvoted]));
      draw();
    }
  }

  function apply(msg) {
    if (msg.type === "votes") {
      const q = byId.get(msg.id);
      if (!q) { refetchSoon(); return; } // a question we have not seen (marked by a moderator)
      q.votes = msg.votes;
      q.answer = msg.answer || null;
      q.note = msg.note || "";
      draw();
    } else if (msg.type === "item" && msg.item && msg.item.kind === "question") {
      if (!byId.has(msg.item.id)) {
        byId.set(msg.item.id, { id: msg.item.id, text: msg.item.text, author: msg.item.author,
          votes: 0, answer: null, note: "", received_at: msg.item.received_at });
        draw();
      }
    } else if (msg.type === "retract" && byId.delete(msg.id)) {
      draw();
    } else if (msg.type === "snapshot") {
      refetchSoon(); // a fresh snapshot: what we hold may be stale
    } else if (msg.type === "status") {
      root.dataset.status = msg.status;
      draw();
    }
  }

  // ---- the phone's "ask it as a question" toggle in the post form ----
  if (!onWall) {
    const send = document.getElementById("send");
    if (send) {
      const label = el("label", "ask-toggle");
      const check = document.createElement("input");
      check.type = "checkbox";
      check.name = "kind";
      check.value = "question";
      check.id = "as-question";
      label.append(check, el("span", "", t("Ask it as a question (the room can upvote it)")));
      send.before(label);
    }
  }

  onFrames(apply, (online) => { if (online) refetchSoon(); });
  if (onWall && window.ResizeObserver) {
    // Shown again (questions mode) or resized: as many whole rows as fit.
    new ResizeObserver(() => { if (!box.hidden) draw(); }).observe(box);
  }
  load();
})();
