// The audience page: posts a message and shows the approved feed.
(function () {
  "use strict";
  const root = document.getElementById("app");
  const slug = root.dataset.slug;
  const form = document.getElementById("post-form");
  const status = document.getElementById("status");

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { text: form.text.value, author: form.author.value };
    const res = await fetch(`/api/events/${slug}/posts`, {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    status.textContent = res.status === 202 ? "✓" : `✗ ${res.status}`;
    if (res.status === 202) form.text.value = "";
  });
})();
