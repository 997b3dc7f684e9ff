// The shorten form, the result card and the recent links of this browser, which the owner can edit and delete
// with each link's manage token (kept with the link here, or brought by a management link `/#manage=<id>.<token>`),
// and whose clicks the same token reads: a count beside each recent link, a chart of 90 days in the edit form.
// Server data is only ever written with textContent or setAttribute (never innerHTML), and there is no inline
// script or style, so the page runs under the site's strict Content-Security-Policy.

import { qrSvg } from "./qr.js";

const RECENT_KEY = "shortener.recent.v1";
const RECENT_MAX = 50;
const MAX_URL_BYTES = 2048;
const ALIAS_RULE = /^[A-Za-z0-9_-]{3,64}$/;
const FIELDS = { urlToShorten: "url", alias: "alias", expiresAt: "expiry" };
const EDIT_FIELDS = { url: "edit-url", expiresAt: "edit-expiry" };
const MANAGE_HASH = /^#manage=([A-Za-z0-9_-]{1,64})\.([A-Za-z0-9_-]{16,128})$/;

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

// The controls a field's message concerns: an expiry's select and the date input beside it.
function controlsOf(name) {
  return name.endsWith("expiry") ? [$(name), $(name.replace(/expiry$/, "expires-at"))] : [$(name)];
}

function fieldError(name, message) {
  const error = $(`${name}-error`);
  const [main, date] = controlsOf(name);
  const control = date && !date.closest("[hidden]") ? date : main;
  error.textContent = sentence(message);
  error.hidden = false;
  control.setAttribute("aria-invalid", "true");
  if (name === "alias" || name === "expiry") options.open = true;
  return control;
}

function formError(message, id = "form-error") {
  const error = $(id);
  error.textContent = sentence(message);
  error.hidden = false;
}

function clearErrors(names = ["url", "alias", "expiry", "form"]) {
  for (const name of names) {
    const error = $(`${name}-error`);
    error.textContent = "";
    error.hidden = true;
    if (name.endsWith("form")) continue;
    for (const control of controlsOf(name)) control.removeAttribute("aria-invalid");
  }
}

for (const name of ["url", "alias", "expiry", "edit-url", "edit-expiry"]) {
  for (const control of controlsOf(name)) {
    control.addEventListener("input", () => {
      const error = $(`${name}-error`);
      if (error.hidden) return;
      error.hidden = true;
      control.removeAttribute("aria-invalid");
    });
  }
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

// The expiry chosen with `select` (and `dateInput` for a date): an ISO time, null for never, or an error.
function expiryValue(select = expirySelect, dateInput = expiresAtInput) {
  const choice = select.value;
  if (!choice) return { value: null };
  if (choice !== "custom") return { value: new Date(Date.now() + Number(choice) * 1000).toISOString() };
  if (!dateInput.value) return { error: "Choose the date and time the link stops working." };
  const when = new Date(dateInput.value);
  if (Number.isNaN(when.getTime())) return { error: "This date is not valid." };
  if (when.getTime() <= Date.now()) return { error: "Choose a time in the future." };
  return { value: when.toISOString() };
}

function localInputValue(date) {
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

for (const prefix of ["", "edit-"]) {
  const select = $(`${prefix}expiry`);
  const dateInput = $(`${prefix}expires-at`);
  select.addEventListener("change", () => {
    const custom = select.value === "custom";
    $(`${prefix}expires-at-field`).hidden = !custom;
    if (custom) {
      const now = new Date();
      dateInput.min = localInputValue(now);
      if (!dateInput.value) dateInput.value = localInputValue(new Date(now.getTime() + 7 * 86400 * 1000));
    }
  });
}

// --- the API calls ----------------------------------------------------------------------------------------

async function problemOf(response) {
  try {
    const problem = await response.json();
    if (problem && typeof problem === "object") return problem;
  } catch {
    // not JSON (a proxy's error page, say)
  }
  return {};
}

const UNREACHABLE = "Could not reach the service. Check your connection and try again.";

// The API's answer to `method` on `path`, or null when the request did not get through.
async function request(method, path, { body, token, contentType = "application/json" } = {}) {
  const headers = { accept: "application/json" };
  if (body !== undefined) headers["content-type"] = contentType;
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    return await fetch(new URL(path, await apiBase), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    return null;
  }
}

// The link JSON of a successful answer, or null.
async function linkOf(response) {
  try {
    const link = await response.json();
    if (link && typeof link.shortUrl === "string" && /^https?:\/\//i.test(link.shortUrl)) return link;
  } catch {
    // fall through
  }
  return null;
}

function inSeconds(wait) {
  if (wait < 90) return `in ${wait} second${wait === 1 ? "" : "s"}`;
  const minutes = Math.ceil(wait / 60);
  const at = new Date(Date.now() + wait * 1000).toLocaleTimeString(undefined, { timeStyle: "short" });
  return `in ${minutes} minutes (at ${at})`;
}

// What went wrong, as `{ field, message }`: `field` (one of `fields`' values) when the problem names one.
// `statuses` holds this call's own messages for some statuses.
async function failure(response, fields, statuses = {}) {
  const problem = await problemOf(response);
  const detail = typeof problem.detail === "string" ? problem.detail : "";
  const wait = Number(response.headers.get("retry-after"));
  const later = Number.isFinite(wait) && wait > 0 ? inSeconds(wait) : "in a moment";
  if (response.status === 503 || response.status === 502 || response.status === 504) {
    return { message: `The service is unavailable right now. Try again ${later}.` };
  }
  if (response.status === 429) {
    const why = detail ? sentence(detail.replace(/;\s*try again in \d+ seconds?$/i, "")) : "Too many requests.";
    return { message: `${why} Try again ${later}.` };
  }
  if (statuses[response.status]) return statuses[response.status];
  const field = fields[problem.field];
  if (field && detail) return { field, message: detail };
  if (response.status >= 500) return { message: "Something went wrong on our side. Try again later." };
  return { message: detail || `The service answered ${response.status}.` };
}

async function shorten(body) {
  const response = await request("POST", "shorten", { body });
  if (!response) return { error: { message: UNREACHABLE } };
  if (response.status === 201) {
    const link = await linkOf(response);
    if (link) return { link };
    return { error: { message: "The service sent an answer this page does not understand. Try again." } };
  }
  const error = await failure(response, FIELDS, {
    413: { field: "url", message: "This URL is too long to shorten." },
  });
  return { error };
}

// What the owner's changes answer besides success, the same for an edit and a delete.
const CHANGE_ANSWERS = {
  401: {
    status: 401,
    message: "The management token kept for this link is not valid, so this browser cannot change it. "
      + "Open the link's management link here to manage it.",
  },
  403: { status: 403, message: "The operator disabled this link, so it can no longer be changed or deleted." },
  404: { status: 404, message: "This link no longer exists: it was deleted." },
  409: {
    status: 409,
    message: "The link was changed somewhere else at the same moment, and nothing was saved. Check it and try again.",
  },
};

// PATCH /api/links/{id} with a JSON merge patch; `{}` changes nothing and checks the token.
async function updateLink(id, token, patch) {
  const path = `api/links/${encodeURIComponent(id)}`;
  const response = await request("PATCH", path, { body: patch, token, contentType: "application/merge-patch+json" });
  if (!response) return { error: { message: UNREACHABLE } };
  if (response.status === 200) {
    const link = await linkOf(response);
    if (link) return { link };
    return { error: { message: "The service sent an answer this page does not understand. Reload the page." } };
  }
  return { error: await failure(response, EDIT_FIELDS, CHANGE_ANSWERS) };
}

async function deleteLink(id, token) {
  const response = await request("DELETE", `api/links/${encodeURIComponent(id)}`, { token });
  if (!response) return { error: { message: UNREACHABLE } };
  if (response.status === 204) return {};
  return { error: await failure(response, {}, CHANGE_ANSWERS) };
}

// GET /api/links/{id}/stats: the link's counts (`{ clicks, bots, days, countedUntil }`), or null when they could
// not be read, whatever the reason: counts are a nicety, never an error to deal with.
async function fetchStats(id, token) {
  const response = await request("GET", `api/links/${encodeURIComponent(id)}/stats`, { token });
  if (response?.status !== 200) return null;
  try {
    const stats = await response.json();
    return Number.isInteger(stats?.clicks) && Number.isInteger(stats.bots) && Array.isArray(stats.days) ? stats : null;
  } catch {
    return null;
  }
}

// Shows an API call's error next to its field (focused), or as the form's message (`formId`, an alert).
function showError(error, formId) {
  if (error.field) {
    fieldError(error.field, error.message).focus();
    // Focus may not move (Enter was pressed in that very field), so the message is also announced.
    announce(sentence(error.message));
  } else {
    formError(error.message, formId); // role="alert" announces it
    announce("");
  }
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
      showError(error, "form-error");
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
  const manage = $("copy-manage");
  $("manage-note").hidden = manage.hidden = typeof link.manageToken !== "string";
  manage.dataset.url = manage.hidden ? "" : manageUrl(link.id, link.manageToken);

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

async function copyFrom(button, text, what = text) {
  const ok = await copyText(text);
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  button.textContent = ok ? "Copied!" : "Copy failed";
  button.classList.toggle("copied", ok);
  announce(ok ? `Copied ${what} to the clipboard.` : "Could not copy. Select the link and copy it by hand.");
  clearTimeout(resetTimers.get(button));
  resetTimers.set(button, setTimeout(() => {
    button.textContent = label;
    button.classList.remove("copied");
  }, 2000));
}

$("copy").addEventListener("click", (event) => copyFrom(event.currentTarget, event.currentTarget.dataset.url));
for (const id of ["copy-manage", "edit-copy-manage"]) {
  $(id).addEventListener("click", (event) => {
    copyFrom(event.currentTarget, event.currentTarget.dataset.url, "the management link");
  });
}

// --- recent links, kept in localStorage with each link's manage token --------------------------------------

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

const entryOf = (shortUrl) => recent.find((l) => l.shortUrl === shortUrl);

// Adds `link` (the API's JSON) to the top of the list, keeping the manage token it came with or had before.
function remember(link) {
  const token = typeof link.manageToken === "string" ? link.manageToken : entryOf(link.shortUrl)?.manageToken;
  const entry = { id: link.id, shortUrl: link.shortUrl, url: link.url, createdAt: link.createdAt, expiresAt: link.expiresAt };
  if (typeof token === "string") entry.manageToken = token;
  recent = [entry, ...recent.filter((l) => l.shortUrl !== link.shortUrl)].slice(0, RECENT_MAX);
  saveRecent();
  renderRecent();
  return entry;
}

// Updates the entry of `link` in place, after an edit.
function update(link) {
  const entry = entryOf(link.shortUrl);
  if (!entry) return;
  Object.assign(entry, { url: link.url, expiresAt: link.expiresAt });
  saveRecent();
  renderRecent();
}

// Marks the entry deleted: it stays listed, as removed, without its token, which can do nothing more.
function markRemoved(shortUrl) {
  const entry = entryOf(shortUrl);
  if (!entry) return;
  entry.removed = true;
  delete entry.manageToken;
  saveRecent();
  renderRecent();
}

// Focuses the button of class `kind` of the entry `shortUrl` (else its Remove, else the list's heading): after a
// dialog closes, in place of the button that opened it, which a re-render may have replaced.
function focusButton(shortUrl, kind) {
  const item = recentItem(shortUrl);
  (item?.querySelector(`button.${kind}`) || item?.querySelector("button.remove") || $("recent-heading")).focus();
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

function button(kind, text, label, onClick) {
  const element = document.createElement("button");
  element.type = "button";
  element.className = kind;
  element.textContent = text;
  element.setAttribute("aria-label", label);
  element.addEventListener("click", onClick);
  return element;
}

function renderRecent() {
  const now = Date.now();
  const items = recent.map((link) => {
    const item = document.createElement("li");
    item.dataset.shortUrl = link.shortUrl;
    const expired = link.expiresAt && new Date(link.expiresAt).getTime() <= now;
    if (link.removed) item.classList.add("removed");
    else if (expired) item.classList.add("expired");

    const text = document.createElement("div");
    text.className = "link-text";
    const anchor = document.createElement("a");
    anchor.href = link.shortUrl;
    anchor.textContent = link.shortUrl;
    const target = document.createElement("p");
    const state = link.removed ? "Deleted · " : expired ? "Expired · " : "";
    target.textContent = `${state}${link.url ?? ""}`;
    target.title = String(link.url ?? "");
    text.append(anchor, target);

    if (typeof link.manageToken === "string" && !link.removed) text.append(clicksLine(link));

    const copy = button("copy", "Copy", `Copy ${link.shortUrl}`, () => copyFrom(copy, link.shortUrl));
    const controls = [copy];
    if (typeof link.manageToken === "string" && !link.removed) {
      controls.push(
        button("edit", "Edit", `Edit ${link.shortUrl}`, () => openEdit(link.shortUrl)),
        button("delete", "Delete", `Delete ${link.shortUrl}`, () => openDelete(link.shortUrl)),
      );
    }
    controls.push(button("remove", "Remove", `Remove ${link.shortUrl} from recent links`, () => forget(link.shortUrl)));

    item.append(text, ...controls);
    return item;
  });
  $("recent-list").replaceChildren(...items);
  $("recent-empty").hidden = items.length > 0;
}

// --- click counts beside the recent links: read once per page, a few at a time, after the list is shown ------

const clickCounts = new Map(); // shortUrl -> the stats, or null when they could not be read
const countQueue = [];
let countReaders = 0;

const plural = (n, word) => `${n.toLocaleString()} ${word}${n === 1 ? "" : "s"}`;

function clicksText(stats) {
  if (stats === undefined) return "Clicks: …";
  if (stats === null) return "Clicks: —";
  return `${plural(stats.clicks, "click")} in 90 days`;
}

function clicksLine(link) {
  const line = document.createElement("span");
  line.className = "clicks";
  line.textContent = clicksText(clickCounts.get(link.shortUrl));
  if (!clickCounts.has(link.shortUrl) && !countQueue.includes(link)) {
    countQueue.push(link);
    while (countReaders < 4 && countQueue.length) readCounts();
  }
  return line;
}

async function readCounts() {
  countReaders += 1;
  try {
    for (let link = countQueue.shift(); link; link = countQueue.shift()) {
      const stats = await fetchStats(link.id, link.manageToken);
      clickCounts.set(link.shortUrl, stats);
      const line = recentItem(link.shortUrl)?.querySelector(".clicks");
      if (line) {
        line.textContent = clicksText(stats);
        line.title = stats ? "" : "The click count could not be read just now.";
      }
    }
  } finally {
    countReaders -= 1;
  }
}

const recentItem = (shortUrl) =>
  [...document.querySelectorAll("#recent-list li")].find((li) => li.dataset.shortUrl === shortUrl);

// Another tab added, changed or removed a link.
window.addEventListener("storage", (event) => {
  if (event.key !== RECENT_KEY && event.key !== null) return;
  recent = loadRecent();
  renderRecent();
});

// --- editing and deleting a link with its manage token -----------------------------------------------------

// The private address that opens this site's edit form for the link on any device: the token travels in the
// fragment, which browsers never send to a server, so no server log or CDN sees it.
function manageUrl(id, token) {
  return `${location.origin}${location.pathname}#manage=${id}.${token}`;
}

const editDialog = $("edit-dialog");
const editUrl = $("edit-url");
const editExpiry = $("edit-expiry");
// One list of expiry choices: the creation form's.
editExpiry.append(...Array.from(expirySelect.options, (option) => option.cloneNode(true)));
const editExpiresAt = $("edit-expires-at");
const editSave = $("edit-save");
const EDIT_ERRORS = ["edit-url", "edit-expiry", "edit-form"];
let editing = null;

function openEdit(shortUrl) {
  const entry = entryOf(shortUrl);
  if (!entry?.manageToken) return;
  editing = shortUrl;
  clearErrors(EDIT_ERRORS);
  $("edit-short").textContent = entry.shortUrl;
  editUrl.value = entry.url ?? "";
  editExpiry.value = entry.expiresAt ? "custom" : "";
  editExpiresAt.value = entry.expiresAt ? localInputValue(new Date(entry.expiresAt)) : "";
  editExpiresAt.min = localInputValue(new Date());
  $("edit-expires-at-field").hidden = !entry.expiresAt;
  $("edit-copy-manage").dataset.url = manageUrl(entry.id, entry.manageToken);
  if (!editDialog.open) editDialog.showModal();
  editUrl.focus();
  showStats(entry);
}

// --- the chart of a link's clicks in the edit form: inline SVG, one bar per day, the numbers as text too --------

const SVG = "http://www.w3.org/2000/svg";
const DAY_NAME = { dateStyle: "medium", timeZone: "UTC" };

function svgElement(name, attributes = {}) {
  const element = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
  return element;
}

function dayName(date) {
  const day = new Date(`${date}T00:00:00Z`);
  return Number.isNaN(day.getTime()) ? String(date) : day.toLocaleDateString(undefined, DAY_NAME);
}

// 90 bars of clicks, scaled to the busiest day; each bar names its day and count, and so does the description.
function clicksChart(stats, clicked) {
  const width = 360;
  const height = 96;
  const slot = width / stats.days.length;
  const busiest = Math.max(...clicked.map((d) => d.clicks));
  const svg = svgElement("svg", { viewBox: `0 0 ${width} ${height + 14}`, role: "img", "aria-labelledby": "chart-title chart-desc" });
  const title = svgElement("title", { id: "chart-title" });
  title.textContent = `Clicks per day, ${dayName(stats.days[0].date)} to ${dayName(stats.days.at(-1).date)}`;
  const desc = svgElement("desc", { id: "chart-desc" });
  desc.textContent = clicked.map((d) => `${dayName(d.date)}: ${plural(d.clicks, "click")}`).join("; ");
  svg.append(title, desc, svgElement("line", { class: "axis", x1: 0, y1: height + 0.5, x2: width, y2: height + 0.5 }));
  stats.days.forEach((day, index) => {
    if (!Number.isInteger(day.clicks) || day.clicks <= 0) return;
    const barHeight = Math.max(2, (day.clicks / busiest) * (height - 4));
    const bar = svgElement("rect", {
      class: "bar",
      x: (index * slot + slot * 0.15).toFixed(2),
      y: (height - barHeight).toFixed(2),
      width: (slot * 0.7).toFixed(2),
      height: barHeight.toFixed(2),
    });
    const label = svgElement("title");
    label.textContent = `${dayName(day.date)}: ${plural(day.clicks, "click")}`;
    bar.append(label);
    svg.append(bar);
  });
  for (const [anchor, x, day] of [["start", 0, stats.days[0]], ["end", width, stats.days.at(-1)]]) {
    const text = svgElement("text", { x, y: height + 12, "text-anchor": anchor, "aria-hidden": "true" });
    text.textContent = dayName(day.date);
    svg.append(text);
  }
  return svg;
}

function statsRow(day) {
  const row = document.createElement("tr");
  for (const value of [dayName(day.date), day.clicks.toLocaleString(), day.bots.toLocaleString()]) {
    const cell = document.createElement("td");
    cell.textContent = value;
    row.append(cell);
  }
  return row;
}

async function showStats(entry) {
  const summary = $("stats-summary");
  const until = $("stats-until");
  summary.textContent = "Loading clicks…";
  $("stats-chart").replaceChildren();
  $("stats-days").hidden = until.hidden = true;
  const stats = await fetchStats(entry.id, entry.manageToken);
  if (editing !== entry.shortUrl) return;
  if (stats) clickCounts.set(entry.shortUrl, stats);
  if (!stats) {
    summary.textContent = "Clicks: — (they could not be read just now).";
    return;
  }
  const days = stats.days.filter((d) => d && Number.isInteger(d.clicks) && Number.isInteger(d.bots));
  const clicked = days.filter((d) => d.clicks > 0);
  const bots = stats.bots > 0 ? `, and ${plural(stats.bots, "visit")} by bots and link previews` : "";
  summary.textContent = stats.clicks > 0
    ? `${plural(stats.clicks, "click")}${bots}.`
    : `No clicks yet${bots}. When people open the short link, their clicks show here.`;
  if (clicked.length) $("stats-chart").replaceChildren(clicksChart({ ...stats, days }, clicked));
  const counted = days.filter((d) => d.clicks > 0 || d.bots > 0);
  $("stats-rows").replaceChildren(...counted.map(statsRow));
  $("stats-days").hidden = counted.length === 0;
  until.textContent = stats.countedUntil
    ? `Counted until ${formatDate(stats.countedUntil)}: clicks after that are not counted yet.`
    : "No clicks have been counted yet: counts appear once the service has read its access logs.";
  until.hidden = false;
}

// The merge patch of what the form changes, or the problems to show.
function editPatch(entry) {
  const raw = withScheme(editUrl.value.trim());
  editUrl.value = raw;
  const patch = {};
  const problems = [];
  const urlProblem = checkUrl(raw);
  if (urlProblem) problems.push(fieldError("edit-url", urlProblem));
  else if (raw !== entry.url) patch.url = raw;
  const sameDate = entry.expiresAt && editExpiry.value === "custom"
    && editExpiresAt.value === localInputValue(new Date(entry.expiresAt));
  if (!sameDate) {
    const expiry = expiryValue(editExpiry, editExpiresAt);
    if (expiry.error) problems.push(fieldError("edit-expiry", expiry.error));
    else if (expiry.value !== null || entry.expiresAt) patch.expiresAt = expiry.value;
  }
  return { patch, problems };
}

let saving = false;

$("edit-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const entry = editing && entryOf(editing);
  if (saving || !entry?.manageToken) return;
  clearErrors(EDIT_ERRORS);
  const { patch, problems } = editPatch(entry);
  if (problems.length) {
    problems[0].focus();
    return;
  }
  saving = true;
  editSave.setAttribute("aria-disabled", "true");
  editSave.textContent = "Saving…";
  try {
    const { link, error } = await updateLink(entry.id, entry.manageToken, patch);
    if (error) {
      if (error.status === 404) markRemoved(entry.shortUrl);
      showError(error, "edit-form-error");
      return;
    }
    update(link);
    editDialog.close();
    focusButton(entry.shortUrl, "edit");
    const expiry = link.expiresAt ? `, until ${formatDate(link.expiresAt)}` : "";
    announce(`Saved. ${link.shortUrl} now leads to ${link.url}${expiry}.`);
  } finally {
    saving = false;
    editSave.removeAttribute("aria-disabled");
    editSave.textContent = "Save";
  }
});

$("edit-cancel").addEventListener("click", () => editDialog.close());
// Whether focus is nowhere, as when a closing dialog's opener is gone (a re-render, or a management link).
const focusLost = () => !document.activeElement || document.activeElement === document.body;

// The close event comes a task after the closing: the form may have been opened again meanwhile, or focus moved.
editDialog.addEventListener("close", () => {
  if (editDialog.open) return;
  const shortUrl = editing;
  editing = null;
  if (shortUrl && focusLost()) focusButton(shortUrl, "edit");
});

const deleteDialog = $("delete-dialog");
const deleteConfirm = $("delete-confirm");
let deleting = null;

function openDelete(shortUrl) {
  const entry = entryOf(shortUrl);
  if (!entry?.manageToken) return;
  deleting = shortUrl;
  clearErrors(["delete-form"]);
  $("delete-short").textContent = entry.shortUrl;
  deleteDialog.showModal();
  $("delete-cancel").focus();
}

deleteConfirm.addEventListener("click", async () => {
  const entry = deleting && entryOf(deleting);
  if (!entry?.manageToken || deleteConfirm.getAttribute("aria-disabled") === "true") return;
  clearErrors(["delete-form"]);
  deleteConfirm.setAttribute("aria-disabled", "true");
  try {
    const { error } = await deleteLink(entry.id, entry.manageToken);
    if (error && error.status !== 404) {
      formError(error.message, "delete-form-error");
      return;
    }
    markRemoved(entry.shortUrl);
    deleteDialog.close();
    focusButton(entry.shortUrl, "delete");
    announce(error ? sentence(error.message) : `Deleted ${entry.shortUrl}. Opening it now says that it was removed.`);
  } finally {
    deleteConfirm.removeAttribute("aria-disabled");
  }
});

$("delete-cancel").addEventListener("click", () => deleteDialog.close());
deleteDialog.addEventListener("close", () => {
  if (deleteDialog.open) return;
  const shortUrl = deleting;
  deleting = null;
  if (shortUrl && focusLost()) focusButton(shortUrl, "delete");
});

// Opens the edit form for the link a management link names, after checking its token with an empty merge
// patch (which changes nothing), and keeps the link among this browser's recent links.
async function openManageLink() {
  const match = MANAGE_HASH.exec(location.hash);
  if (!match) return;
  const [, id, token] = match;
  // Out of the address bar and this tab's history, where someone looking over a shoulder could read it.
  history.replaceState(null, "", `${location.pathname}${location.search}`);
  clearErrors(["manage-form"]);
  const { link, error } = await updateLink(id, token, {});
  if (error) {
    const message = error.status === 401
      ? `This management link is not valid for the short link ${id}: its token is wrong. Check that it was copied whole.`
      : `This management link cannot be used. ${error.message}`;
    formError(message, "manage-form-error");
    return;
  }
  remember({ ...link, manageToken: token });
  openEdit(link.shortUrl);
  announce(`Editing ${link.shortUrl}.`);
}

window.addEventListener("hashchange", openManageLink);

$("alias-prefix").textContent = `${location.host}/`;
renderRecent();
document.documentElement.dataset.ready = "true";
openManageLink();
