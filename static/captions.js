// Live captions, on the wall and on the phone page: `caption` frames of the feed socket
// (feed.js), each a line with its stream id. On connecting the server sends the last two
// lines again: a line whose id is not newer than the last one shown is skipped.
// The wall shows the latest lines in its caption band (the newest at the bottom, never
// covered); the phone page keeps a short log, opened and closed by a button, and read
// politely by screen readers only while it is open.
(function () {
  "use strict";
  const { t, onFrames, newer } = window.Clameur;
  const box = document.getElementById("captions");
  const lines = document.getElementById("caption-lines");
  if (!box || !lines) return;
  const wall = document.getElementById("wall");
  const toggle = document.getElementById("captions-toggle");
  const KEEP = wall ? 6 : 20;
  const OPEN = "clameur.captions.open";
  let last = null;

  function setOpen(open) {
    if (!toggle) return;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    toggle.textContent = t(open ? "Hide the captions" : "Show the captions");
    lines.hidden = !open;
    try { localStorage.setItem(OPEN, open ? "1" : "0"); } catch (err) { /* private mode */ }
    if (open) lines.scrollTop = lines.scrollHeight;
  }

  function add(msg) {
    if (msg.id && !newer(msg.id, last)) return; // already shown (the catch-up on connect)
    if (msg.id) last = msg.id;
    const line = document.createElement("p");
    line.className = "caption-line";
    line.textContent = String(msg.text || "");
    lines.append(line);
    while (lines.children.length > KEEP) lines.firstElementChild.remove();
    if (box.hidden) {
      box.hidden = false;
      if (wall) {
        wall.classList.add("has-captions");
        window.dispatchEvent(new Event("resize")); // the stage shrank: cards fit again
      }
    }
    box.dataset.count = String(Number(box.dataset.count || 0) + 1);
    if (!lines.hidden) lines.scrollTop = lines.scrollHeight;
  }

  if (toggle) {
    let open = false;
    try { open = localStorage.getItem(OPEN) === "1"; } catch (err) { /* private mode */ }
    setOpen(open);
    toggle.addEventListener("click", () => setOpen(toggle.getAttribute("aria-expanded") !== "true"));
  }
  onFrames((msg) => { if (msg.type === "caption") add(msg); });
})();
