// Shorten form: POST /shorten and show the short link, or the problem the API reports.
// Server data is only ever written with textContent (no innerHTML), so the page works under
// a strict Content-Security-Policy (default-src 'self').
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.getElementById("shorten-form");
  const input = document.getElementById("url");
  const button = document.getElementById("shorten");
  const error = document.getElementById("url-error");
  const result = document.getElementById("result");

  function showError(message) {
    error.textContent = message;
    error.hidden = false;
    input.setAttribute("aria-invalid", "true");
  }

  function clearError() {
    error.textContent = "";
    error.hidden = true;
    input.removeAttribute("aria-invalid");
  }

  function showLink(shortUrl) {
    const label = document.createElement("p");
    label.textContent = "Your short link:";
    const link = document.createElement("a");
    link.textContent = shortUrl;
    if (/^https?:\/\//i.test(shortUrl)) link.href = shortUrl; // never a javascript: or data: link
    result.replaceChildren(label, link);
  }

  // RFC 9457 problem details: prefer `detail`, then `title`, then the status line.
  async function problemMessage(response) {
    try {
      const problem = await response.json();
      if (problem && typeof problem.detail === "string" && problem.detail) return problem.detail;
      if (problem && typeof problem.title === "string" && problem.title) return problem.title;
    } catch {
      // Not JSON: fall through.
    }
    return `The service answered ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  }

  input.addEventListener("input", clearError);

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearError();
    result.replaceChildren();

    const urlToShorten = input.value.trim();
    input.value = urlToShorten;
    if (!input.checkValidity()) {
      showError(input.validationMessage || "Enter a full URL, starting with https://");
      input.focus();
      return;
    }

    button.disabled = true;
    form.setAttribute("aria-busy", "true");
    try {
      let response;
      try {
        response = await fetch("/shorten", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ urlToShorten }),
        });
      } catch {
        showError("Could not reach the service, try again");
        return;
      }

      if (response.status === 201) {
        let link;
        try {
          link = await response.json();
        } catch {
          link = null;
        }
        if (link && typeof link.shortUrl === "string") {
          showLink(link.shortUrl);
        } else {
          showError("The service sent an unexpected answer, try again");
        }
      } else {
        showError(await problemMessage(response));
        input.focus();
      }
    } finally {
      button.disabled = false;
      form.removeAttribute("aria-busy");
    }
  });
});
