// Polls on the wall and on the phone page, and the wall's mode (feed, questions, poll).
//
// `poll` frames carry the whole poll (at most ~4 a second): options become bars with their
// votes and percentages (their width animates unless the viewer prefers reduced motion),
// words become a cloud laid out here (an Archimedean spiral, no library), kept in place
// from one frame to the next while they still fit. The phone votes on its socket when it
// is open (answered by `voted` or an `error` frame), else over HTTP; a second vote
// replaces the first.
(function () {
  "use strict";
  const { t, onFrames, lang, el, plural } = window.Clameur;
  const onWall = document.body.classList.contains("wall");
  const root = document.getElementById(onWall ? "wall" : "app");
  if (!root) return;
  const slug = root.dataset.slug;
  const LETTERS = "ABCDEFGH";
  const motion = () => !window.Clameur.reducedMotion();
  let poll = null;

  const percentFormat = new Intl.NumberFormat(lang, { style: "percent" });

  function percent(part, total) {
    return total ? Math.round((100 * part) / total) : 0;
  }

  // ---- the panel (wall: in place of the feed; phone: above the post form) ----
  const panel = el("section", onWall ? "ask-panel ask-poll" : "poll-box");
  panel.id = "poll";
  panel.hidden = true;
  // Not a live region: tallies change up to 4 times a second. The phone's wall mirror
  // (mirror.js) announces a poll that opens or closes.
  const heading = el("h2", onWall ? "ask-title poll-question" : "poll-question");
  heading.id = "poll-question";
  panel.setAttribute("aria-labelledby", heading.id);
  const state = el("p", "poll-state");
  const bars = el("ol", "poll-options");
  const cloud = el("div", "cloud");
  cloud.setAttribute("role", "list");
  const total = el("p", "poll-total");
  panel.append(heading, state, bars, cloud, total);
  let wordForm = null, wordInput = null, note = null;
  if (onWall) {
    const stage = document.getElementById("stage");
    stage.after(panel);
  } else {
    wordForm = el("form", "word-form");
    wordForm.noValidate = true;
    wordInput = document.createElement("input");
    wordInput.name = "word";
    wordInput.maxLength = 40;
    wordInput.autocomplete = "off";
    wordInput.setAttribute("aria-label", t("Your word"));
    wordInput.placeholder = t("One word or a short phrase");
    const sendWord = el("button", "word-send", t("Send"));
    sendWord.type = "submit";
    wordForm.append(wordInput, sendWord);
    note = el("p", "poll-note");
    note.setAttribute("role", "status");
    panel.insertBefore(wordForm, total);
    panel.append(note);
    const anchor = document.querySelector("section.react") || document.getElementById("post-form");
    anchor.before(panel);
  }

  // ---- choice polls: one bar per option ----
  // The rows are built once per poll and then updated in place: a tally arriving while a
  // finger is on an option, or while the keyboard or a screen reader is on it, must not
  // replace the button under it (the tap would be lost, the focus thrown to the page).
  function optionRow(o, i) {
    const li = el("li", "poll-option");
    li.dataset.index = String(i);
    const label = el(onWall ? "div" : "button", "option-label");
    label.append(el("span", "option-letter", LETTERS[i]), " ", el("span", "option-text", o.text));
    if (!onWall) {
      label.type = "button";
      label.addEventListener("click", () => vote({ option: i }, LETTERS[i]));
    }
    const track = el("div", "bar");
    track.append(el("div", "bar-fill"));
    const figures = el("p", "option-figures");
    figures.append(el("strong", "option-percent"), el("span", "option-votes"));
    li.append(label, track, figures);
    return li;
  }

  function drawOptions(p) {
    const key = JSON.stringify([p.id, p.options.map((o) => o.text)]);
    if (bars.dataset.key !== key) {
      bars.replaceChildren(...p.options.map((o, i) => optionRow(o, i)));
      bars.dataset.key = key;
    }
    const mine = myVote(p.id);
    const sum = p.total || p.options.reduce((s, o) => s + o.votes, 0);
    const rows = [...bars.children];
    rows.forEach((li, i) => {
      const o = p.options[i];
      const pct = percent(o.votes, sum);
      li.dataset.votes = String(o.votes);
      li.dataset.percent = String(pct);
      li.classList.toggle("mine", mine === String(i));
      const label = li.querySelector(".option-label");
      if (!onWall) {
        label.disabled = p.status !== "open" || root.dataset.status === "closed";
        label.setAttribute("aria-pressed", mine === String(i) ? "true" : "false");
      }
      li.querySelector(".option-percent").textContent = percentFormat.format(pct / 100);
      li.querySelector(".option-votes").textContent = plural(o.votes, "{count} vote", "{count} votes");
    });
    const apply = () => rows.forEach((li) => {
      li.querySelector(".bar-fill").style.width = `${li.dataset.percent}%`;
    });
    if (motion()) requestAnimationFrame(() => requestAnimationFrame(apply)); else apply();
  }

  // ---- words polls: a cloud ----
  const placed = new Map(); // text -> {x, y} centre as a fraction of the cloud box

  function fontSize(count, max, box) {
    const biggest = Math.min(box.height / 4, box.width / 7);
    const smallest = Math.max(biggest / 4.5, onWall ? 18 : 13);
    return smallest + (biggest - smallest) * Math.sqrt(count / max);
  }

  function overlaps(r, rects) {
    return rects.some((o) => r.left < o.right && r.right > o.left && r.top < o.bottom && r.bottom > o.top);
  }

  // Place words (biggest first) on a spiral from the centre, each where it was before if it
  // still fits there; null when one finds no room at this size.
  function place(sizes, box) {
    const rects = [];
    const spots = [];
    for (const [w, , width, height] of sizes) {
      const at = (cx, cy) => ({ left: cx - width / 2, right: cx + width / 2, top: cy - height / 2, bottom: cy + height / 2 });
      const inside = (r) => r.left >= 0 && r.top >= 0 && r.right <= box.width && r.bottom <= box.height;
      let spot = null;
      const kept = placed.get(w.text);
      if (kept) {
        const r = at(kept.x * box.width, kept.y * box.height);
        if (inside(r) && !overlaps(r, rects)) spot = r;
      }
      for (let step = 0; !spot && step < 1500; step += 1) {
        const angle = step * 0.35, radius = 3 * angle;
        const r = at(box.width / 2 + radius * Math.cos(angle) * 1.6, box.height / 2 + radius * Math.sin(angle));
        if (inside(r) && !overlaps(r, rects)) spot = r;
      }
      if (!spot) return null;
      rects.push(spot);
      spots.push(spot);
    }
    return spots;
  }

  function drawCloud(p) {
    const words = (p.words || []).slice();
    const box = cloud.getBoundingClientRect();
    if (!box.width || !box.height) { requestAnimationFrame(() => poll && drawCloud(poll)); return; }
    const max = Math.max(1, ...words.map((w) => w.count));
    const old = new Map([...cloud.children].map((n) => [n.dataset.text, n]));
    const nodes = words.map((w) => {
      const node = old.get(w.text) || el("span", "cloud-word", w.text);
      node.dataset.text = w.text;
      node.dataset.count = String(w.count);
      node.setAttribute("role", "listitem");
      node.title = plural(w.count, "{count} vote", "{count} votes");
      node.hidden = false;
      if (!node.parentNode) { node.style.left = "50%"; node.style.top = "50%"; cloud.append(node); }
      return [w, node];
    });
    for (const [text, node] of old) if (!words.some((w) => w.text === text)) { node.remove(); placed.delete(text); }
    // The largest sizes at which every word fits; at the smallest, the last words stay out.
    let spots = null, sizes = [];
    for (const scale of [1, 0.85, 0.72, 0.6, 0.5, 0.42, 0.35]) {
      for (const [w, node] of nodes) node.style.fontSize = `${(scale * fontSize(w.count, max, box)).toFixed(1)}px`;
      sizes = nodes.map(([w, node]) => [w, node, node.offsetWidth + 8, node.offsetHeight]);
      spots = place(sizes, box);
      if (spots) break;
    }
    if (!spots) { // even the smallest size is too big for all: keep those that fit
      spots = [];
      for (let n = sizes.length - 1; n > 0 && !(spots = place(sizes.slice(0, n), box)); n -= 1);
      spots = spots || [];
    }
    placed.clear();
    sizes.forEach(([w, node], i) => {
      const spot = spots[i];
      node.hidden = !spot;
      if (!spot) return;
      const cx = (spot.left + spot.right) / 2, cy = (spot.top + spot.bottom) / 2;
      placed.set(w.text, { x: cx / box.width, y: cy / box.height });
      node.style.left = `${cx}px`;
      node.style.top = `${cy}px`;
    });
    cloud.dataset.words = String(words.length);
    cloud.dataset.width = String(Math.round(box.width)); // the box this layout was made for
  }

  // ---- the poll as a whole ----
  function draw() {
    if (!poll) {
      root.dataset.poll = "";
      if (!onWall) { panel.hidden = true; return; }
      heading.textContent = t("No poll yet.");
      state.textContent = total.textContent = "";
      bars.hidden = cloud.hidden = true;
      return;
    }
    if (!onWall) panel.hidden = false;
    root.dataset.poll = poll.id;
    panel.dataset.status = poll.status;
    panel.dataset.type = poll.type;
    heading.textContent = poll.question;
    const sum = poll.total || 0;
    state.textContent = poll.status === "open" ? t(onWall ? "Vote now on your phone" : "Vote now")
      : poll.status === "closed" ? t("Poll closed: final results") : "";
    total.textContent = poll.type === "words" ? plural(sum, "{count} word sent", "{count} words sent")
      : plural(sum, "{count} vote", "{count} votes");
    bars.hidden = poll.type === "words";
    cloud.hidden = poll.type !== "words";
    if (wordForm) wordForm.hidden = poll.type !== "words" || poll.status !== "open";
    if (poll.type === "words") drawCloud(poll); else drawOptions(poll);
  }

  // ---- the phone's vote ----
  const VOTES = `clameur.votes.${slug}`;
  function myVotes() { return JSON.parse(localStorage.getItem(VOTES) || "{}"); }
  function myVote(id) { return myVotes()[id]; }
  function remember(id, choice) {
    const all = myVotes();
    all[id] = choice;
    localStorage.setItem(VOTES, JSON.stringify(all));
  }

  function say(text, tone) {
    if (!note) return;
    note.textContent = text;
    note.dataset.tone = tone || "info";
  }

  let sentOn = null; // what was sent on the socket, until `voted` or an error answers it

  async function vote(ballot, label) {
    if (!poll) return;
    const id = poll.id;
    const link = window.Clameur.link;
    say(t("Sending…"), "wait");
    sentOn = { id, ballot, label };
    if (link && link.send({ type: "vote", poll: id, ...ballot })) return;
    sentOn = null;
    let res;
    try {
      res = await fetch(`/api/events/${encodeURIComponent(slug)}/polls/${encodeURIComponent(id)}/votes`, {
        method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(ballot),
      });
    } catch (err) {
      say(t("You are offline: vote again when the connection is back."), "bad");
      return;
    }
    const body = await res.json().catch(() => ({}));
    if (res.status === 202) counted(id, ballot, label);
    else refused(res.status === 409 ? "poll_not_open" : res.status === 422 ? "validation"
      : res.status === 404 ? "unknown_poll" : String(res.status), body.message);
  }

  function counted(id, ballot, label) {
    remember(id, "option" in ballot ? String(ballot.option) : ballot.text);
    say(label ? t("Your vote: {choice}", { choice: label }) : t("Your word is counted."), "ok");
    if (wordInput && "text" in ballot) wordInput.value = "";
    if (poll && poll.id === id) draw();
  }

  function refused(code) {
    if (code === "poll_not_open") say(t("This poll is closed."), "bad");
    else if (code === "validation") say(t("One word or a short phrase, please (40 characters at most)."), "bad");
    else if (code === "unknown_poll") say(t("This poll is no longer available."), "bad");
    else say(t("Your vote was not counted ({status}): try again.", { status: code }), "bad");
  }

  if (wordForm) {
    wordForm.addEventListener("submit", (event) => {
      event.preventDefault();
      const text = wordInput.value.trim();
      if (!text) { wordInput.focus(); return; }
      vote({ text }, "");
    });
  }

  // ---- frames ----
  function setMode(mode) {
    if (!onWall) return;
    root.dataset.mode = mode;
    document.getElementById("stage").hidden = mode !== "feed";
    const questions = document.getElementById("questions");
    if (questions) questions.hidden = mode !== "questions";
    panel.hidden = mode !== "poll";
    if (mode === "poll") draw(); // the cloud needs its box measured once shown
    if (mode === "feed") window.dispatchEvent(new Event("resize")); // wall.js fits its cards again
  }

  function apply(msg) {
    if (msg.type === "poll") {
      poll = msg.poll;
      draw();
    } else if (msg.type === "mode") {
      setMode(msg.mode);
    } else if (msg.type === "voted" && sentOn && sentOn.id === msg.poll) {
      counted(sentOn.id, sentOn.ballot, sentOn.label);
      sentOn = null;
    } else if (msg.type === "error" && sentOn) {
      const code = msg.error;
      if (code === "no_device") { // no cookie yet: the same vote over HTTP sets it
        const again = sentOn;
        sentOn = null;
        fetch(`/api/events/${encodeURIComponent(slug)}/polls/${encodeURIComponent(again.id)}/votes`, {
          method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(again.ballot),
        }).then((res) => (res.status === 202 ? counted(again.id, again.ballot, again.label)
          : refused(res.status === 409 ? "poll_not_open" : String(res.status))));
        return;
      }
      sentOn = null;
      refused(code);
    }
  }

  onFrames(apply, null);
  if (onWall) setMode("feed");
  // A cloud whose box changes size (a projector's resolution, a phone turned) is laid out
  // again at once; words keep their places, as fractions of the box, where they still fit.
  if (window.ResizeObserver) {
    new ResizeObserver(() => {
      if (poll && poll.type === "words" && !cloud.hidden && !panel.hidden) drawCloud(poll);
    }).observe(cloud);
  }
})();
