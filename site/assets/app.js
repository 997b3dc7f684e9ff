// The shorten form, the result card and the recent links of this browser.
// Server data is only ever written with textContent or setAttribute (never innerHTML), and there is no inline
// script or style, so the page runs under the site's strict Content-Security-Policy.

import { qrSvg } from "./qr.js";

const RECENT_KEY = "shortener.recent.v1";
const RECENT_MAX = 50;
const MAX_URL_BYTES = 2048;
const ALIAS_RULE = /^[A-Za-z0-9_-]{3,64}$/;
const FIELDS = { urlToShorten: "url", alias: "alias", expiresAt: "expiry" };

const $ = (id) => document.getElementById(id);
const form = $("shorten-form");
const urlInput = $("url");
const aliasInput = $("alias");
const expirySelect = $("expiry");
const expiresAtInput = $("expires-at");
const submitButton = $("shorten");
const options = $("options");
const status = $("status");

// --- the operator's settings: where the API is (same origin unless named), where to report abuse ------------

const siteConfig = loadConfig();
const apiBase = siteConfig.then(apiBaseFrom);
showAbuseContact();

async function loadConfig() {
  try {
    const response = await fetch("/config.json", { headers: { accept: "application/json" } });
    if (!response.ok) return {};
    const config = await response.json();
    return config && typeof config === "object" ? config : {};
  } catch {
    return {};
  }
}

function apiBaseFrom(config) {
  try {
    if (typeof config.apiBaseUrl !== "string" || !config.apiBaseUrl) return location.origin + "/";
    const base = new URL(config.apiBaseUrl, location.href);
    if (base.protocol !== "https:" && base.protocol !== "http:") return location.origin + "/";
    return base.href.endsWith("/") ? base.href : base.href + "/";
  } catch {
    return location.origin + "/";
  }
}

// An e-mail address or a mailto:, https: or tel: URI; anything else (javascript: above all) is not shown.
function contactHref(contact) {
  if (/^[^\s@:/]+@[^\s@/]+$/.test(contact)) return "mailto:" + contact;
  try {
    const url = new URL(contact);
    return ["mailto:", "https:", "tel:"].includes(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

async function showAbuseContact() {
  const contact = (await siteConfig).abuseContact;
  const href = typeof contact === "string" && contact.trim() ? contactHref(contact.trim()) : null;
  if (!href) return;
  const link = $("abuse-contact");
  link.href = href;
  link.textContent = href.startsWith("mailto:") ? decodeURIComponent(href.slice("mailto:".length)) : href;
  $("abuse").hidden = false;
}

// --- messages ---------------------------------------------------------------------------------------------

function sentence(text) {
  const trimmed = String(text).trim();
  if (!trimmed) return trimmed;
  const capital = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?]$/.test(capital) ? capital : capital + ".";
}

function announce(message) {
  status.textContent = "";
  // A fresh text node after a tick, so screen readers announce the same message twice in a row too.
  setTimeout(() => {
    status.textContent = message;
  }, 50);
}

function fieldError(name, message) {
  const error = $(`${name}-error`);
  const control = name === "expiry" && !expiresAtInput.closest("[hidden]") ? expiresAtInput : $(name);
  error.textContent = sentence(message);
  error.hidden = false;
  control.setAttribute("aria-invalid", "true");
  if (name !== "url") options.open = true;
  return control;
}

function formError(message) {
  const error = $("form-error");
  error.textContent = sentence(message);
  error.hidden = false;
}

function clearErrors() {
  for (const name of ["url", "alias", "expiry", "form"]) {
    const error = $(`${name}-error`);
    error.textContent = "";
    error.hidden = true;
  }
  for (const control of [urlInput, aliasInput, expirySelect, expiresAtInput]) control.removeAttribute("aria-invalid");
}

for (const [control, name] of [[urlInput, "url"], [aliasInput, "alias"], [expirySelect, "expiry"], [expiresAtInput, "expiry"]]) {
  control.addEventListener("input", () => {
    const error = $(`${name}-error`);
    if (error.hidden) return;
    error.hidden = true;
    control.removeAttribute("aria-invalid");
  });
}

// --- client-side checks: the obvious mistakes, before a round trip; the API has the last word --------------

// Adds https:// to what looks like a bare host name ("example.com/page"), as people often paste those.
function withScheme(raw) {
  if (/^[a-z][a-z0-9+.-]*:/i.test(raw)) return raw;
  return /^[^\s/]+\.[^\s/]+/.test(raw) ? `https://${raw}` : raw;
}

function checkUrl(raw) {
  if (!raw) return "Enter the long URL you want to shorten.";
  if (/\s/.test(raw)) return "A URL cannot contain spaces. Check that you pasted one link.";
  if (new TextEncoder().encode(raw).length > MAX_URL_BYTES) return `This URL is longer than ${MAX_URL_BYTES} bytes.`;
  let url;
  try {
    url = new URL(raw);
  } catch {
    return "This is not a full URL. It should look like https://example.com/page.";
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "Only http:// and https:// links can be shortened.";
  if (!url.hostname) return "The URL has no host name.";
  if (url.username || url.password) return "URLs with a user name or password are not accepted.";
  return null;
}

function expiryValue() {
  const choice = expirySelect.value;
  if (!choice) return { value: undefined };
  if (choice !== "custom") return { value: new Date(Date.now() + Number(choice) * 1000).toISOString() };
  if (!expiresAtInput.value) return { error: "Choose the date and time the link stops working." };
  const when = new Date(expiresAtInput.value);
  if (Number.isNaN(when.getTime())) return { error: "This date is not valid." };
  if (when.getTime() <= Date.now()) return { error: "Choose a time in the future." };
  return { value: when.toISOString() };
}

function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

expirySelect.addEventListener("change", () => {
  const custom = expirySelect.value === "custom";
  $("expires-at-field").hidden = !custom;
  if (custom) {
    const now = new Date();
    expiresAtInput.min = localInputValue(now);
    if (!expiresAtInput.value) expiresAtInput.value = localInputValue(new Date(now.getTime() + 7 * 86400 * 1000));
  }
});

// --- the API call -----------------------------------------------------------------------------------------

async function problemOf(response) {
  try {
    const problem = await response.json();
    if (problem && typeof problem === "object") return problem;
  } catch {
    // not JSON (a proxy's error page, say)
  }
  return {};
}

async function shorten(body) {
  let response;
  try {
    response = await fetch(new URL("shorten", await apiBase), {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify(body),
    });
  } catch {
    return { error: { message: "Could not reach the service. Check your connection and try again." } };
  }
  if (response.status === 201) {
    try {
      const link = await response.json();
      if (link && typeof link.shortUrl === "string" && /^https?:\/\//i.test(link.shortUrl)) return { link };
    } catch {
      // fall through
    }
    return { error: { message: "The service sent an answer this page does not understand. Try again." } };
  }
  const problem = await problemOf(response);
  const detail = typeof problem.detail === "string" ? problem.detail : "";
  if (response.status === 503 || response.status === 502 || response.status === 504) {
    const wait = Number(response.headers.get("retry-after"));
    const later = Number.isFinite(wait) && wait > 0 ? `in ${wait} second${wait === 1 ? "" : "s"}` : "in a moment";
    return { error: { message: `The service is unavailable right now. Try again ${later}.` } };
  }
  if (response.status === 413) return { error: { field: "url", message: "This URL is too long to shorten." } };
  if (response.status === 429) return { error: { message: "Too many links at once. Wait a little and try again." } };
  const field = FIELDS[problem.field];
  if (field && detail) return { error: { field, message: detail } };
  if (response.status >= 500) return { error: { message: "Something went wrong on our side. Try again later." } };
  return { error: { message: detail || `The service answered ${response.status}.` } };
}

let busy = false;

function setBusy(on) {
  busy = on;
  form.setAttribute("aria-busy", String(on));
  submitButton.setAttribute("aria-busy", String(on));
  submitButton.setAttribute("aria-disabled", String(on));
  submitButton.querySelector(".label").textContent = on ? "Shortening…" : "Shorten";
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  if (busy) return;
  clearErrors();

  const raw = withScheme(urlInput.value.trim());
  urlInput.value = raw;
  const alias = aliasInput.value.trim();
  aliasInput.value = alias;
  const urlProblem = checkUrl(raw);
  const aliasProblem = alias && !ALIAS_RULE.test(alias) ? "Use 3 to 64 letters, digits, - or _ for the alias." : null;
  const expiry = expiryValue();
  const problems = [
    urlProblem && fieldError("url", urlProblem),
    aliasProblem && fieldError("alias", aliasProblem),
    expiry.error && fieldError("expiry", expiry.error),
  ].filter(Boolean);
  if (problems.length) {
    problems[0].focus();
    return;
  }

  const body = { urlToShorten: raw };
  if (alias) body.alias = alias;
  if (expiry.value) body.expiresAt = expiry.value;

  setBusy(true);
  announce("Shortening…");
  try {
    const { link, error } = await shorten(body);
    if (error) {
      if (error.field) {
        fieldError(error.field, error.message).focus();
        // Focus may not move (Enter was pressed in that very field), so the message is also announced.
        announce(sentence(error.message));
      } else {
        formError(error.message); // role="alert" announces it
        announce("");
      }
      return;
    }
    showResult(link);
    remember(link);
    aliasInput.value = "";
    announce(`Short link ready: ${link.shortUrl}. Use the Copy button to copy it.`);
    $("copy").focus();
  } finally {
    setBusy(false);
  }
});

// --- the result card --------------------------------------------------------------------------------------

let qrUrl = null;

function formatDate(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

function showResult(link) {
  const shortLink = $("short-link");
  shortLink.textContent = link.shortUrl;
  shortLink.href = link.shortUrl;
  $("open").href = link.shortUrl;
  $("result-target").textContent = typeof link.url === "string" ? link.url : "";
  const expiry = $("result-expiry");
  expiry.hidden = !link.expiresAt;
  expiry.textContent = link.expiresAt ? `Stops working ${formatDate(link.expiresAt)}.` : "";
  const copy = $("copy");
  copy.dataset.url = link.shortUrl;
  copy.textContent = "Copy";
  copy.classList.remove("copied");

  const svg = qrSvg(link.shortUrl, `QR code of ${link.shortUrl}`);
  $("qr").replaceChildren(svg);
  if (qrUrl) URL.revokeObjectURL(qrUrl);
  const file = new XMLSerializer().serializeToString(svg);
  qrUrl = URL.createObjectURL(new Blob([file], { type: "image/svg+xml" }));
  const download = $("qr-download");
  download.href = qrUrl;
  download.download = `${typeof link.id === "string" ? link.id : "short-link"}-qr.svg`;

  $("result").hidden = false;
}

// --- clipboard --------------------------------------------------------------------------------------------

async function copyText(text) {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    // No Clipboard API (a page on plain http from another machine is not a secure context): the old way.
    const scratch = document.createElement("textarea");
    scratch.value = text;
    scratch.setAttribute("readonly", "");
    scratch.className = "visually-hidden";
    document.body.append(scratch);
    scratch.select();
    let done = false;
    try {
      done = document.execCommand("copy");
    } catch {
      done = false;
    }
    scratch.remove();
    return done;
  }
}

const resetTimers = new WeakMap();

async function copyFrom(button, text) {
  const ok = await copyText(text);
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = ok ? "Copied!" : "Copy failed";
  button.classList.toggle("copied", ok);
  announce(ok ? `Copied ${text} to the clipboard.` : "Could not copy. Select the link and copy it by hand.");
  clearTimeout(resetTimers.get(button));
  resetTimers.set(button, setTimeout(() => {
    button.textContent = label;
    button.classList.remove("copied");
  }, 2000));
}

$("copy").addEventListener("click", (event) => copyFrom(event.currentTarget, event.currentTarget.dataset.url));

// --- recent links, kept in localStorage -------------------------------------------------------------------

function loadRecent() {
  try {
    const list = JSON.parse(localStorage.getItem(RECENT_KEY) || "[]");
    return Array.isArray(list)
      ? list.filter((l) => l && typeof l.shortUrl === "string" && /^https?:\/\//i.test(l.shortUrl))
      : [];
  } catch {
    return [];
  }
}

let recent = loadRecent();

function saveRecent() {
  try {
    localStorage.setItem(RECENT_KEY, JSON.stringify(recent));
  } catch {
    // Storage full or disabled (some private modes): the list lives until the page is closed.
  }
}

function remember(link) {
  const entry = { id: link.id, shortUrl: link.shortUrl, url: link.url, createdAt: link.createdAt, expiresAt: link.expiresAt };
  recent = [entry, ...recent.filter((l) => l.shortUrl !== link.shortUrl)].slice(0, RECENT_MAX);
  saveRecent();
  renderRecent();
}

function forget(shortUrl) {
  const index = recent.findIndex((l) => l.shortUrl === shortUrl);
  if (index < 0) return;
  recent.splice(index, 1);
  saveRecent();
  renderRecent();
  const buttons = document.querySelectorAll("#recent-list .remove");
  const next = buttons[Math.min(index, buttons.length - 1)];
  (next || $("recent-heading")).focus();
  announce(`Removed ${shortUrl} from recent links.`);
}

function renderRecent() {
  const now = Date.now();
  const items = recent.map((link) => {
    const item = document.createElement("li");
    const expired = link.expiresAt && new Date(link.expiresAt).getTime() <= now;
    if (expired) item.classList.add("expired");

    const text = document.createElement("div");
    text.className = "link-text";
    const anchor = document.createElement("a");
    anchor.href = link.shortUrl;
    anchor.textContent = link.shortUrl;
    const target = document.createElement("p");
    target.textContent = expired ? `Expired · ${link.url}` : String(link.url ?? "");
    target.title = String(link.url ?? "");
    text.append(anchor, target);

    const copy = document.createElement("button");
    copy.type = "button";
    copy.className = "copy";
    copy.textContent = "Copy";
    copy.setAttribute("aria-label", `Copy ${link.shortUrl}`);
    copy.addEventListener("click", () => copyFrom(copy, link.shortUrl));

    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "remove";
    remove.textContent = "Remove";
    remove.setAttribute("aria-label", `Remove ${link.shortUrl} from recent links`);
    remove.addEventListener("click", () => forget(link.shortUrl));

    item.append(text, copy, remove);
    return item;
  });
  $("recent-list").replaceChildren(...items);
  $("recent-empty").hidden = items.length > 0;
}

// Another tab added or removed a link.
window.addEventListener("storage", (event) => {
  if (event.key !== RECENT_KEY && event.key !== null) return;
  recent = loadRecent();
  renderRecent();
});

$("alias-prefix").textContent = `${location.host}/`;
renderRecent();
document.documentElement.dataset.ready = "true";
