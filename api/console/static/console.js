// Progressive enhancement: a form marked data-swap posts in the background
// and replaces the element it names with the server's answer. Without this
// file every form posts and the server answers with the whole page.
"use strict";

document.addEventListener("submit", async (event) => {
  const form = event.target;
  const target = form.dataset.swap && document.querySelector(form.dataset.swap);
  if (!target) return;
  event.preventDefault();
  const buttons = form.querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  let answer;
  try {
    answer = await fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Console-Fragment": "1" },
      credentials: "same-origin",
    });
  } catch (error) {
    form.submit();  // not sent: let the browser send it and show the answer
    return;
  }
  const type = answer.headers.get("content-type") || "";
  if (!type.startsWith("text/html")) {
    window.location.reload();
    return;
  }
  target.outerHTML = await answer.text();
  const swapped = document.querySelector(form.dataset.swap);
  const said = swapped && swapped.querySelector("[role=status], [role=alert]");
  if (said) { said.tabIndex = -1; said.focus(); }
});
