// The wall as text on the phone page, for people who cannot see the screen (a screen-reader
// mirror): what the wall shows now (messages, questions, a poll or the thank-you screen),
// the pinned item and the poll's results, above the approved items audience.js lists.
// New items, a pin, a change of what the wall shows and a poll that opens or closes are
// announced politely (#mirror-news); reactions and vote counts never are.
(function () {
  "use strict";
  const { t, onFrames, lang, itemLang, announcer, el, plural } = window.Clameur;
  const root = document.getElementById("app");
  const modeLine = document.getElementById("mirror-mode");
  const pinnedBox = document.getElementById("mirror-pinned");
  const pollBox = document.getElementById("mirror-poll");
  if (!root || !modeLine || !pinnedBox || !pollBox) return;
  const news = announcer(document.getElementById("mirror-news"));
  const LETTERS = "ABCDEFGH";
  const MAX_WORDS = 30;
  const MODES = {
    feed: "The wall shows the messages.",
    questions: "The wall shows the questions from the room.",
    poll: "The wall shows a poll.",
  };
  const percentFormat = new Intl.NumberFormat(lang, { style: "percent" });
  let mode = "feed";
  let status = root.dataset.status;
  let pinned = null;
  let poll = null;
  let live = false; // after the first snapshot: what comes next is news

  function sayMode() {
    return status === "closed" ? t("The event is over: the wall says thank you.")
      : t(MODES[mode] || MODES.feed);
  }

  function drawMode() {
    modeLine.textContent = sayMode();
    root.dataset.mirrorMode = status === "closed" ? "closed" : mode;
  }

  function drawPinned() {
    pinnedBox.hidden = !pinned;
    if (!pinned) { pinnedBox.replaceChildren(); return; }
    const text = el("p", "mirror-text", pinned.text);
    const itemLanguage = itemLang(pinned);
    if (itemLanguage) text.lang = itemLanguage;
    pinnedBox.replaceChildren(el("h3", "", t("Pinned")), text,
      el("p", "mirror-author", pinned.author || t("Anonymous")));
  }

  // The poll as the room sees it: shown while it is open, or while the wall shows it.
  function drawPoll() {
    const show = Boolean(poll) && (poll.status === "open" || mode === "poll");
    pollBox.hidden = !show;
    if (!show) { pollBox.replaceChildren(); return; }
    const sum = poll.total || 0;
    const list = el("ul", "mirror-results");
    if (poll.type === "words") {
      const words = (poll.words || []).slice().sort((a, b) => b.count - a.count).slice(0, MAX_WORDS);
      for (const w of words) list.append(el("li", "", `${w.text} (${plural(w.count, "{count} vote", "{count} votes")})`));
    } else {
      (poll.options || []).forEach((o, i) => {
        const pct = sum ? Math.round((100 * o.votes) / sum) : 0;
        list.append(el("li", "", `${LETTERS[i]}. ${o.text} — ${percentFormat.format(pct / 100)} `
          + `(${plural(o.votes, "{count} vote", "{count} votes")})`));
      });
    }
    const state = poll.status === "open" ? t("Vote now") : t("Poll closed: final results");
    const total = poll.type === "words" ? plural(sum, "{count} word sent", "{count} words sent")
      : plural(sum, "{count} vote", "{count} votes");
    pollBox.replaceChildren(el("h3", "", t("Poll: {question}", { question: poll.question })),
      el("p", "", `${state} · ${total}`), list);
  }

  function onPoll(next) {
    const before = poll;
    poll = next;
    if (live && next && (!before || before.id !== next.id || before.status !== next.status)) {
      if (next.status === "open") news.say(t("Poll open: {question}", { question: next.question }));
      else if (next.status === "closed" && before && before.id === next.id) {
        news.say(t("Poll closed: {question}", { question: next.question }));
      }
    }
    drawPoll();
  }

  function apply(msg) {
    switch (msg.type) {
      case "snapshot":
        pinned = msg.pinned || null;
        if (msg.status) status = msg.status;
        drawPinned();
        drawMode();
        live = true;
        break;
      case "item":
        if (live && msg.item) news.item(msg.item);
        break;
      case "pin":
        pinned = msg.item;
        drawPinned();
        if (live) news.say(t("Pinned on the wall:"), msg.item.text, itemLang(msg.item));
        break;
      case "unpin":
        pinned = null;
        drawPinned();
        break;
      case "retract":
        if (pinned && pinned.id === msg.id) { pinned = null; drawPinned(); }
        break;
      case "reveal":
        if (pinned && msg.item && pinned.id === msg.item.id) { pinned = msg.item; drawPinned(); }
        break;
      case "mode":
        if (msg.mode === mode) break;
        mode = msg.mode;
        drawMode();
        drawPoll();
        if (live && status !== "closed") news.say(sayMode());
        break;
      case "poll":
        onPoll(msg.poll);
        break;
      case "status":
        status = msg.status;
        drawMode();
        break;
      default:
        break;
    }
  }

  onFrames(apply, null);
  drawMode();
})();
