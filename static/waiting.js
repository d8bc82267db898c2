// The page of an event that is not open yet: it asks again every 30 s, in the background,
// and shows the event once it opens. No timed refresh of the page itself (a screen reader
// would start again from the top every time: WCAG 2.2.1); one reload, when it opens.
(function () {
  "use strict";
  const EVERY_MS = 30000;
  async function check() {
    try {
      const res = await fetch(location.href, { cache: "no-store", credentials: "same-origin" });
      const page = await res.text();
      if (res.ok && !page.includes('data-waiting="1"')) { location.reload(); return; }
    } catch (err) { /* offline: ask again later */ }
    setTimeout(check, EVERY_MS);
  }
  setTimeout(check, EVERY_MS);
})();
