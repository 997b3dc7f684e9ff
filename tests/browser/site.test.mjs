// The site as a person uses it, in Debian's Chromium driven by playwright-core, against the real local stack.
// Started by scripts/test.d/40-browser, which provides the stacks and the target page through the environment:
//   SHORTENER_URL         the stack under test (embedded store; its access log is counted every second)
//   SHORTENER_CONFIG_URL  a stack whose site has a config.json pointing the API at http://localhost:<its port>/
//   SHORTENER_DOWN_URL    a stack whose store cannot be reached (the API answers 503)
//   SHORTENER_QUOTA_URL   a stack that lets a client create one link an hour (the API answers 429 after it)
//   SHORTENER_OPERATED_URL a stack on DynamoDB Local, whose links the operator's tool can disable while it runs:
//                         SHORTENER_OPERATOR (the tool) with --dynamodb-endpoint SHORTENER_OPERATED_DYNAMODB_ENDPOINT
//   TARGET_URL            a page server on 127.0.0.2, where short links lead
//   CHROMIUM, SCREENSHOT_DIR

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { after, before, test } from "node:test";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");
const jsQR = require("jsqr");
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

function env(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run these tests with scripts/test.d/40-browser`);
  return value;
}

const STACK = env("SHORTENER_URL");
const CONFIG_STACK = env("SHORTENER_CONFIG_URL");
const DOWN_STACK = env("SHORTENER_DOWN_URL");
const QUOTA_STACK = env("SHORTENER_QUOTA_URL");
const OPERATED_STACK = env("SHORTENER_OPERATED_URL");
const OPERATOR = env("SHORTENER_OPERATOR");
const OPERATED_ENDPOINT = env("SHORTENER_OPERATED_DYNAMODB_ENDPOINT");
const TARGET = env("TARGET_URL");
const SCREENSHOTS = env("SCREENSHOT_DIR");
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1280, height: 800 };

let browser;

before(async () => {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // launch() gives every run a fresh temporary user-data-dir.
  browser = await chromium.launch({
    executablePath: env("CHROMIUM"),
    headless: true,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

after(async () => {
  await browser?.close();
});

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const unique = (prefix) => `${prefix}-${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

/**
 * A fresh browser context (so an empty localStorage) with the site loaded, at `at` (the site's root unless
 * given). `problems` collects uncaught errors and Content-Security-Policy violations; `requests` every URL the
 * page asked for.
 */
async function openSite(t, { base = STACK, at = base, viewport = DESKTOP, colorScheme = "light", clipboard = false, bypassCSP = false } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, bypassCSP, reducedMotion: "reduce" });
  t.after(() => context.close());
  if (clipboard) {
    await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(base).origin });
  }
  const page = await context.newPage();
  const problems = [];
  const requests = [];
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("Failed to load resource")) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on("request", (request) => requests.push(request.url()));
  await page.goto(at);
  await page.waitForSelector("html[data-ready=true]");
  return { page, problems, requests };
}

/** Fills the form and submits it with Enter; returns the API's response to POST /shorten. */
async function submit(page, url, { alias, expiry } = {}) {
  await page.fill("#url", url);
  if (alias !== undefined || expiry !== undefined) {
    if (!(await page.locator("#options").evaluate((d) => d.open))) await page.click("#options summary");
    if (alias !== undefined) await page.fill("#alias", alias);
    if (expiry !== undefined) await page.selectOption("#expiry", expiry);
  }
  const [response] = await Promise.all([
    page.waitForResponse((r) => new URL(r.url()).pathname === "/shorten" && r.request().method() === "POST"),
    page.press("#url", "Enter"),
  ]);
  return response;
}

/** Shortens `url` through the form and returns the short URL the result card shows. */
async function shorten(page, url, options) {
  const response = await submit(page, url, options);
  assert.equal(response.status(), 201, `POST /shorten answered ${response.status()}: ${await response.text()}`);
  const { shortUrl } = await response.json();
  await page.waitForFunction(
    (url) => !document.getElementById("result").hidden && document.getElementById("short-link").textContent === url,
    shortUrl,
    { timeout: 5000 },
  );
  return shortUrl;
}

/** The field's error is shown right under it, tied to it for screen readers, and the field has the focus. */
async function assertFieldError(page, name, pattern, controlId = name) {
  const error = page.locator(`#${name}-error`);
  await error.waitFor({ state: "visible" });
  assert.match(await error.textContent(), pattern);
  const control = `#${controlId}`;
  assert.equal(await page.getAttribute(control, "aria-invalid"), "true");
  assert.ok((await page.getAttribute(control, "aria-describedby")).split(" ").includes(`${name}-error`));
  assert.equal(await page.evaluate(() => document.activeElement?.id), controlId);
  const field = await page.locator(control).boundingBox();
  const message = await error.boundingBox();
  assert.ok(
    message.y >= field.y + field.height && message.y - (field.y + field.height) < 48,
    `the message (y ${message.y}) should sit just under its field (bottom ${field.y + field.height})`,
  );
  assert.ok(message.x < field.x + field.width && message.x + message.width > field.x, "the message is beside its field");
}

/** The QR code on the page, rendered as the browser draws it, decoded by jsQR. */
async function decodeShownQr(page) {
  const { size, pixels } = await page.evaluate(async () => {
    const svg = document.querySelector("#qr svg");
    const image = new Image();
    image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(new XMLSerializer().serializeToString(svg))}`;
    await image.decode();
    const canvas = document.createElement("canvas");
    canvas.width = canvas.height = 300;
    const context = canvas.getContext("2d");
    context.drawImage(image, 0, 0, 300, 300);
    return { size: 300, pixels: Array.from(context.getImageData(0, 0, 300, 300).data) };
  });
  return jsQR(Uint8ClampedArray.from(pixels), size, size)?.data;
}

async function seriousAxeViolations(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(axeSource);
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ["violations"] }));
  return results.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

async function recentLinks(page) {
  return page.locator("#recent-list li .link-text a").allTextContents();
}

/** The text of `selector` as a reader sees it: runs of white space as one space. */
const shownText = async (page, selector) => (await page.textContent(selector)).replace(/\s+/g, " ").trim();

/** The recent links' entry of `shortUrl`. */
const recentItem = (page, shortUrl) => page.locator(`#recent-list li[data-short-url="${shortUrl}"]`);

/** What has the focus: its id, else its aria-label, else its class or tag. */
const focusedName = (page) => page.evaluate(() => {
  const el = document.activeElement;
  return el?.id || el?.getAttribute("aria-label") || el?.className || el?.tagName;
});

/** The answer to the page's next request of `method` to /api/links/…. */
const linkResponse = (page, method) => page.waitForResponse(
  (r) => new URL(r.url()).pathname.startsWith("/api/links/") && r.request().method() === method,
);

test("shortening a URL shows the short link and its QR code, and the short link opens the target page", async (t) => {
  const { page, problems, requests } = await openSite(t);
  const longUrl = `${TARGET}articles/2026/a-rather-long-title-for-an-article?ref=browser-test`;

  const shortUrl = await shorten(page, longUrl);

  assert.match(shortUrl, new RegExp(`^${escapeRegExp(STACK)}[A-Za-z0-9]{7}$`));
  assert.equal(await page.getAttribute("#short-link", "href"), shortUrl);
  assert.equal(await page.getAttribute("#open", "href"), shortUrl);
  assert.equal(await page.getAttribute("#open", "target"), "_blank");
  assert.equal(await page.textContent("#result-target"), longUrl);
  await page.waitForFunction(() => document.getElementById("status").textContent.includes("Short link ready"));
  assert.equal(await page.evaluate(() => document.activeElement?.id), "copy", "focus moves to the Copy button");
  assert.equal(await decodeShownQr(page), shortUrl, "the QR code encodes the short URL");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("#qr-download")]);
  assert.equal(download.suggestedFilename(), `${shortUrl.split("/").pop()}-qr.svg`);
  assert.match(readFileSync(await download.path(), "utf8"), /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"[^>]*viewBox/);
  assert.equal(await page.locator("[style]").count(), 0, "no style attribute for the CSP to block");
  const elsewhere = requests.filter((u) => /^https?:/.test(u) && !u.startsWith(STACK));
  assert.deepEqual(elsewhere, [], "the page asked nothing of any other origin");

  await Promise.all([page.waitForURL(longUrl), page.click("#short-link")]);
  assert.equal(await page.textContent("h1"), "Target page");
  assert.equal(await page.textContent("#path"), "/articles/2026/a-rather-long-title-for-an-article?ref=browser-test");
  assert.deepEqual(problems, []);
});

test("a bad URL is explained next to the URL field, by the page and by the API", async (t) => {
  const { page, problems, requests } = await openSite(t);

  await page.fill("#url", "ftp://example.com/file.zip");
  await page.click("#shorten");
  await assertFieldError(page, "url", /^Only http:\/\/ and https:\/\/ links can be shortened\.$/);
  await page.fill("#url", "https://exa mple.com/");
  await page.press("#url", "Enter");
  await assertFieldError(page, "url", /cannot contain spaces/);
  await page.fill("#url", `${TARGET}${"a".repeat(2048)}`);
  await page.press("#url", "Enter");
  await assertFieldError(page, "url", /^This URL is longer than 2048 bytes\.$/);
  assert.equal(requests.filter((u) => u.endsWith("/shorten")).length, 0, "obvious mistakes are caught before a request");

  // A link to the service itself passes the page's checks; the API refuses it with a problem naming the field.
  const response = await submit(page, `${STACK}abc1234`);
  assert.equal(response.status(), 422);
  assert.equal((await response.json()).field, "urlToShorten");
  await assertFieldError(page, "url", /^Links to this service itself are not accepted\.$/);
  assert.equal(await page.isHidden("#result"), true);

  await page.fill("#url", `${TARGET}ok`);
  assert.equal(await page.isHidden("#url-error"), true, "typing clears the message");
  assert.equal(await page.getAttribute("#url", "aria-invalid"), null);
  assert.deepEqual(problems, []);
});

test("while the API is working the button shows it, and pressing again sends nothing more", async (t) => {
  const { page, requests } = await openSite(t);
  let release;
  const held = new Promise((resolve) => {
    release = resolve;
  });
  // The request goes to the real API, only later: held until the busy state has been checked.
  await page.route("**/shorten", async (route) => {
    await held;
    await route.continue();
  });
  await page.fill("#url", `${TARGET}slow`);
  await page.press("#url", "Enter");
  await page.waitForFunction(() => document.getElementById("shorten").getAttribute("aria-busy") === "true");
  assert.equal(await page.textContent("#shorten .label"), "Shortening…");
  assert.equal(await page.isVisible("#shorten .spinner"), true);
  assert.equal(await page.getAttribute("#shorten-form", "aria-busy"), "true");
  await page.press("#url", "Enter");
  await page.click("#shorten", { force: true }); // aria-disabled: Playwright would wait; a person just clicks
  release();
  await page.waitForSelector("#result:not([hidden])");
  assert.equal(await page.getAttribute("#shorten", "aria-busy"), "false");
  assert.equal(await page.textContent("#shorten .label"), "Shorten");
  assert.equal(await page.isVisible("#shorten .spinner"), false);
  assert.equal(requests.filter((u) => new URL(u).pathname === "/shorten").length, 1);
  assert.equal((await recentLinks(page)).length, 1);
});

test("a bare host name gets https:// added instead of an error", async (t) => {
  const { page } = await openSite(t);
  const target = new URL(TARGET);
  const response = await submit(page, `${target.host}/no-scheme`);
  assert.equal(response.status(), 201);
  assert.equal(await page.inputValue("#url"), `https://${target.host}/no-scheme`);
});

test("a taken alias is explained next to the alias field", async (t) => {
  const { page, problems } = await openSite(t);
  const alias = unique("taken");

  const first = await shorten(page, `${TARGET}first`, { alias });
  assert.equal(first, `${STACK}${alias}`);
  assert.equal(await page.inputValue("#alias"), "", "the alias field is emptied after a success");

  const response = await submit(page, `${TARGET}second`, { alias });
  assert.equal(response.status(), 409);
  await assertFieldError(page, "alias", /^This alias is already taken\.$/);
  assert.equal(await page.locator("#options").evaluate((d) => d.open), true);

  await page.fill("#alias", "no spaces");
  await page.press("#alias", "Enter");
  await assertFieldError(page, "alias", /3 to 64 letters, digits, - or _/);

  const reserved = await submit(page, `${TARGET}third`, { alias: "assets" });
  assert.equal(reserved.status(), 422);
  await assertFieldError(page, "alias", /^The alias is reserved\.$/);
  assert.deepEqual(problems, []);
});

test("an expiry chosen in the options is sent and shown", async (t) => {
  const { page } = await openSite(t);
  const before = Date.now();
  const response = await submit(page, `${TARGET}expiring`, { expiry: "86400" });
  assert.equal(response.status(), 201);
  const expiresAt = Date.parse((await response.json()).expiresAt);
  assert.ok(Math.abs(expiresAt - (before + 86400_000)) < 60_000, `expiresAt ${expiresAt} is about a day away`);
  await page.waitForSelector("#result-expiry:not([hidden])");
  assert.match(await page.textContent("#result-expiry"), /^Stops working /);

  await page.selectOption("#expiry", "custom");
  await page.fill("#expires-at", "2001-01-01T10:00");
  await page.press("#url", "Enter");
  await assertFieldError(page, "expiry", /^Choose a time in the future\.$/, "expires-at");
});

test("when the store cannot be reached, the page says the service is unavailable and when to try again", async (t) => {
  const { page, problems } = await openSite(t, { base: DOWN_STACK });
  const response = await submit(page, `${TARGET}while-down`);
  assert.equal(response.status(), 503);
  const error = page.locator("#form-error");
  await error.waitFor({ state: "visible" });
  assert.equal(await error.textContent(), "The service is unavailable right now. Try again in 5 seconds.");
  assert.equal(await error.getAttribute("role"), "alert");
  assert.equal(await page.isHidden("#result"), true);
  assert.deepEqual(problems, []);
});

test("the copy button puts the short URL on the clipboard", async (t) => {
  const { page } = await openSite(t, { clipboard: true });
  const shortUrl = await shorten(page, `${TARGET}copy-me`);
  await page.evaluate(() => navigator.clipboard.writeText("something else"));

  await page.click("#copy");
  await page.waitForFunction(() => document.getElementById("copy").textContent === "Copied!");
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shortUrl);
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("Copied"));

  await page.evaluate(() => navigator.clipboard.writeText("something else"));
  await page.click("#recent-list li:first-child button.copy");
  await page.waitForFunction(() => document.querySelector("#recent-list li button.copy").textContent === "Copied!");
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shortUrl);
});

test("recent links are listed newest first, survive a reload and can be removed", async (t) => {
  const { page } = await openSite(t);
  assert.equal(await page.isVisible("#recent-empty"), true);
  const older = await shorten(page, `${TARGET}older`);
  const newer = await shorten(page, `${TARGET}newer`);
  assert.deepEqual(await recentLinks(page), [newer, older]);
  assert.equal(await page.isHidden("#recent-empty"), true);

  await page.reload();
  await page.waitForSelector("html[data-ready=true]");
  assert.deepEqual(await recentLinks(page), [newer, older]);
  assert.match(await page.textContent("#recent-list li:first-child"), /newer/);

  await page.click(`#recent-list li:first-child button.remove`);
  assert.deepEqual(await recentLinks(page), [older]);
  assert.equal(
    await page.evaluate(() => document.activeElement?.getAttribute("aria-label")),
    `Remove ${older} from recent links`,
    "focus moves to the next Remove button",
  );
  await page.reload();
  await page.waitForSelector("html[data-ready=true]");
  assert.deepEqual(await recentLinks(page), [older]);

  await page.click(`#recent-list li:first-child button.remove`);
  assert.deepEqual(await recentLinks(page), []);
  assert.equal(await page.isVisible("#recent-empty"), true);

  // Another tab of the same browser follows along.
  const other = await page.context().newPage();
  await other.goto(STACK);
  await other.waitForSelector("html[data-ready=true]");
  const fromOtherTab = await shorten(other, `${TARGET}other-tab`);
  await page.waitForFunction((url) => document.querySelector("#recent-list li a")?.textContent === url, fromOtherTab);
});

test("everything works with the keyboard alone, in a sensible focus order", async (t) => {
  const { page } = await openSite(t, { clipboard: true });
  const focused = () => focusedName(page);
  const tab = async (expected, shift = false) => {
    await page.keyboard.press(shift ? "Shift+Tab" : "Tab");
    assert.equal(await focused(), expected);
  };

  await tab("skip");
  await tab("url");
  await page.keyboard.type(`${TARGET}keyboard`);
  await tab("shorten");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), "SUMMARY");
  await page.keyboard.press("Enter");
  assert.equal(await page.locator("#options").evaluate((d) => d.open), true, "Enter opens the options");
  await tab("alias");
  const alias = unique("kbd");
  await page.keyboard.type(alias);
  await tab("expiry");
  await tab("alias", true);

  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/shorten")),
    page.keyboard.press("Enter"),
  ]);
  assert.equal(response.status(), 201);
  await page.waitForFunction(() => document.activeElement?.id === "copy", null, { timeout: 5000 });
  await page.keyboard.press("Enter");
  await page.waitForFunction(() => document.getElementById("copy").textContent === "Copied!");
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), `${STACK}${alias}`);
  await tab("open");
  await tab("qr-download");
  await tab("copy-manage");
  await page.keyboard.press("Tab");
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), `${STACK}${alias}`);
  await tab(`Copy ${STACK}${alias}`);
  await tab(`Edit ${STACK}${alias}`);
  await tab(`Delete ${STACK}${alias}`);
  await tab(`Remove ${STACK}${alias} from recent links`);
  await page.keyboard.press("Enter");
  assert.deepEqual(await recentLinks(page), []);
  assert.equal(await focused(), "recent-heading", "focus goes to the list's heading when the list is empty");
});

test("the owner edits a recent link, and the short link then leads to the new target", async (t) => {
  const { page, problems } = await openSite(t);
  const shortUrl = await shorten(page, `${TARGET}before-edit`);
  const item = recentItem(page, shortUrl);
  await item.locator("button.edit").click();
  await page.locator("#edit-dialog").waitFor({ state: "visible" });
  assert.equal(await page.textContent("#edit-short"), shortUrl);
  assert.equal(await page.inputValue("#edit-url"), `${TARGET}before-edit`, "the form starts from the link as it is");
  assert.equal(await page.inputValue("#edit-expiry"), "");
  assert.equal(await focusedName(page), "edit-url");

  // The API's problem appears next to the field it names.
  await page.fill("#edit-url", `${STACK}loop`);
  const [refused] = await Promise.all([linkResponse(page, "PATCH"), page.press("#edit-url", "Enter")]);
  assert.equal(refused.status(), 422);
  assert.equal((await refused.json()).field, "url");
  await assertFieldError(page, "edit-url", /^Links to this service itself are not accepted\.$/);

  await page.fill("#edit-url", `${TARGET}after-edit`);
  assert.equal(await page.isHidden("#edit-url-error"), true, "typing clears the message");
  await page.selectOption("#edit-expiry", "86400");
  const [saved] = await Promise.all([linkResponse(page, "PATCH"), page.click("#edit-save")]);
  assert.equal(saved.status(), 200);
  assert.equal(saved.request().headers()["content-type"], "application/merge-patch+json");
  const patch = JSON.parse(saved.request().postData());
  assert.deepEqual(Object.keys(patch).sort(), ["expiresAt", "url"]);
  assert.ok(Math.abs(Date.parse(patch.expiresAt) - (Date.now() + 86400_000)) < 60_000);
  await page.locator("#edit-dialog").waitFor({ state: "hidden" });
  assert.equal(await item.locator("p").textContent(), `${TARGET}after-edit`);
  assert.equal(await focusedName(page), `Edit ${shortUrl}`, "focus returns to the Edit button");
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("Saved."));

  await page.reload();
  await page.waitForSelector("html[data-ready=true]");
  await item.locator("button.edit").click();
  assert.equal(await page.inputValue("#edit-url"), `${TARGET}after-edit`);
  assert.equal(await page.inputValue("#edit-expiry"), "custom", "the new expiry is shown as a date");
  await page.keyboard.press("Escape");

  await Promise.all([page.waitForURL(`${TARGET}after-edit`), item.locator("a").click()]);
  assert.equal(await page.textContent("#path"), "/after-edit");
  assert.deepEqual(problems, []);
});

test("the owner deletes a recent link after confirming, and the short link then shows the removed page", async (t) => {
  const { page, problems } = await openSite(t);
  const shortUrl = await shorten(page, `${TARGET}to-delete`);
  const id = shortUrl.split("/").pop();
  const item = recentItem(page, shortUrl);
  const dialog = page.locator("#delete-dialog");

  await item.locator("button.delete").click();
  await dialog.waitFor({ state: "visible" });
  assert.equal(await page.textContent("#delete-short"), shortUrl);
  assert.match(await shownText(page, "#delete-text"), /cannot be undone/);
  assert.equal(await focusedName(page), "delete-cancel", "the safe choice has the focus");
  await page.click("#delete-cancel");
  await dialog.waitFor({ state: "hidden" });
  assert.equal((await page.request.get(`${STACK}api/links/${id}`)).status(), 200, "Cancel deletes nothing");

  await item.locator("button.delete").click();
  const [deleted] = await Promise.all([linkResponse(page, "DELETE"), page.click("#delete-confirm")]);
  assert.equal(deleted.status(), 204);
  await dialog.waitFor({ state: "hidden" });
  await page.waitForFunction(() => document.getElementById("status").textContent.startsWith("Deleted"));
  assert.equal(await item.getAttribute("class"), "removed");
  assert.equal(await item.locator("p").textContent(), `Deleted · ${TARGET}to-delete`);
  assert.equal(await item.locator("button.edit, button.delete").count(), 0, "a deleted link cannot be changed");
  assert.equal(await focusedName(page), `Remove ${shortUrl} from recent links`);
  await page.reload();
  await page.waitForSelector("html[data-ready=true]");
  assert.equal(await item.getAttribute("class"), "removed", "the mark survives a reload");
  assert.equal(
    await page.evaluate(() => JSON.parse(localStorage.getItem("shortener.recent.v1"))[0].manageToken),
    undefined,
    "the token, now useless, is not kept",
  );

  const removed = await page.goto(shortUrl);
  assert.equal(removed.status(), 404);
  assert.equal(await page.textContent("h1"), "Link removed");
  assert.deepEqual(problems, []);
});

test("the management link opens the edit form in another browser, which then keeps the link too", async (t) => {
  const { page } = await openSite(t, { clipboard: true });
  const shortUrl = await shorten(page, `${TARGET}managed`);
  const id = shortUrl.split("/").pop();
  assert.match(await shownText(page, "#manage-note"), /Anyone who has it can do the same, so keep it private/);
  await page.click("#copy-manage");
  await page.waitForFunction(() => document.getElementById("copy-manage").textContent === "Copied!");
  const manageUrl = await page.evaluate(() => navigator.clipboard.readText());
  assert.match(manageUrl, new RegExp(`^${escapeRegExp(STACK)}#manage=${id}\\.[A-Za-z0-9_-]{43}$`));
  await page.waitForFunction(() => document.getElementById("status").textContent === "Copied the management link to the clipboard.");

  await page.evaluate(() => navigator.clipboard.writeText("something else"));
  await recentItem(page, shortUrl).locator("button.edit").click();
  assert.match(await shownText(page, "#edit-manage-note"), /Anyone who has the management link can edit or delete/);
  await page.click("#edit-copy-manage");
  await page.waitForFunction(() => document.getElementById("edit-copy-manage").textContent === "Copied!");
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), manageUrl, "the edit form copies the same link");

  const { page: elsewhere, problems } = await openSite(t, { at: manageUrl });
  await elsewhere.locator("#edit-dialog").waitFor({ state: "visible" });
  assert.equal(await elsewhere.textContent("#edit-short"), shortUrl);
  assert.equal(await elsewhere.inputValue("#edit-url"), `${TARGET}managed`);
  assert.equal(elsewhere.url(), STACK, "the token leaves the address bar");
  assert.deepEqual(await recentLinks(elsewhere), [shortUrl], "the link joins this browser's recent links");

  await elsewhere.fill("#edit-url", `${TARGET}managed-elsewhere`);
  const [saved] = await Promise.all([linkResponse(elsewhere, "PATCH"), elsewhere.press("#edit-url", "Enter")]);
  assert.equal(saved.status(), 200);
  await elsewhere.locator("#edit-dialog").waitFor({ state: "hidden" });
  await elsewhere.reload();
  await elsewhere.waitForSelector("html[data-ready=true]");
  assert.equal(await elsewhere.isHidden("#edit-dialog"), true, "a reload does not reopen the form");
  assert.equal(await recentItem(elsewhere, shortUrl).locator("p").textContent(), `${TARGET}managed-elsewhere`);
  assert.equal(await recentItem(elsewhere, shortUrl).locator("button.edit").count(), 1, "the token is kept here too");
  assert.deepEqual(problems, []);
});

test("a wrong token is refused with a clear message, from a management link or from this browser's storage", async (t) => {
  const { page } = await openSite(t);
  const shortUrl = await shorten(page, `${TARGET}guarded`);
  const id = shortUrl.split("/").pop();
  const wrong = "A".repeat(43);

  const { page: other } = await openSite(t, { at: `${STACK}#manage=${id}.${wrong}` });
  const error = other.locator("#manage-form-error");
  await error.waitFor({ state: "visible" });
  assert.equal(
    await error.textContent(),
    `This management link is not valid for the short link ${id}: its token is wrong. Check that it was copied whole.`,
  );
  assert.equal(await other.isHidden("#edit-dialog"), true);
  assert.deepEqual(await recentLinks(other), [], "a link that does not work is not kept");

  await page.evaluate((wrong) => {
    const list = JSON.parse(localStorage.getItem("shortener.recent.v1"));
    list[0].manageToken = wrong;
    localStorage.setItem("shortener.recent.v1", JSON.stringify(list));
  }, wrong);
  await page.reload();
  await page.waitForSelector("html[data-ready=true]");
  await recentItem(page, shortUrl).locator("button.edit").click();
  await page.fill("#edit-url", `${TARGET}hijacked`);
  const [refused] = await Promise.all([linkResponse(page, "PATCH"), page.click("#edit-save")]);
  assert.equal(refused.status(), 401);
  await page.locator("#edit-form-error").waitFor({ state: "visible" });
  assert.match(await page.textContent("#edit-form-error"), /^The management token kept for this link is not valid/);
  assert.equal(await page.isVisible("#edit-dialog"), true, "the form stays open with its message");
  await page.keyboard.press("Escape");
  await recentItem(page, shortUrl).locator("button.delete").click();
  const [notDeleted] = await Promise.all([linkResponse(page, "DELETE"), page.click("#delete-confirm")]);
  assert.equal(notDeleted.status(), 401);
  await page.locator("#delete-form-error").waitFor({ state: "visible" });
  assert.match(await page.textContent("#delete-form-error"), /^The management token kept for this link is not valid/);
  assert.equal((await (await page.request.get(`${STACK}api/links/${id}`)).json()).url, `${TARGET}guarded`);
});

test("an edit the operator's takedown refused says so, and keeps what the owner typed", async (t) => {
  const { page, problems } = await openSite(t, { base: OPERATED_STACK });
  const shortUrl = await shorten(page, `${TARGET}to-be-disabled`);
  const id = shortUrl.split("/").pop();
  const item = recentItem(page, shortUrl);
  await item.locator("button.edit").click();
  await page.locator("#edit-dialog").waitFor({ state: "visible" });
  await page.fill("#edit-url", `${TARGET}typed-before-the-takedown`);
  await page.selectOption("#edit-expiry", "86400");

  // The operator takes the link down in the store the running stack reads, while the form is open.
  execFileSync(OPERATOR, ["--store", "dynamodb", "--dynamodb-endpoint", OPERATED_ENDPOINT, "disable", id, "--reason", "phishing"], {
    env: { PATH: process.env.PATH },
    stdio: ["ignore", "ignore", "inherit"],
  });

  const [refused] = await Promise.all([linkResponse(page, "PATCH"), page.click("#edit-save")]);
  assert.equal(refused.status(), 403);
  await page.locator("#edit-form-error").waitFor({ state: "visible" });
  assert.equal(
    await page.textContent("#edit-form-error"),
    "The operator disabled this link, so it can no longer be changed or deleted.",
  );
  assert.equal(await page.isVisible("#edit-dialog"), true, "the form stays open with its message");
  assert.equal(await page.inputValue("#edit-url"), `${TARGET}typed-before-the-takedown`, "the typed URL is kept");
  assert.equal(await page.inputValue("#edit-expiry"), "86400", "the chosen expiry is kept");
  await page.screenshot({ path: join(SCREENSHOTS, "edit-refused-disabled.png") });

  await page.keyboard.press("Escape");
  await item.locator("button.delete").click();
  const [notDeleted] = await Promise.all([linkResponse(page, "DELETE"), page.click("#delete-confirm")]);
  assert.equal(notDeleted.status(), 403);
  await page.locator("#delete-form-error").waitFor({ state: "visible" });
  assert.equal(
    await page.textContent("#delete-form-error"),
    "The operator disabled this link, so it can no longer be changed or deleted.",
  );
  const stored = await (await page.request.get(`${OPERATED_STACK}api/links/${id}`)).json();
  assert.deepEqual([stored.state, stored.url], ["disabled", `${TARGET}to-be-disabled`], "nothing was changed");
  assert.deepEqual(problems, []);
});

test("an edit that lost a race to another edit says so, keeps what the owner typed, and saves on a retry", async (t) => {
  const { page, problems } = await openSite(t);
  const created = await submit(page, `${TARGET}raced`);
  assert.equal(created.status(), 201);
  const { id, shortUrl, manageToken } = await created.json();
  const item = recentItem(page, shortUrl);
  await item.locator("button.edit").click();
  await page.locator("#edit-dialog").waitFor({ state: "visible" });
  await page.fill("#edit-url", `${TARGET}typed-during-the-race`);

  // The form's own PATCH goes to the stack together with rival edits of the same link (as from another device
  // holding the management link), until the stack answers it 409: another edit was written between its read
  // and its write. That real answer is the one the page gets.
  const api = `${STACK}api/links/${id}`;
  const rival = (n) => fetch(api, {
    method: "PATCH",
    headers: { authorization: `Bearer ${manageToken}`, "content-type": "application/merge-patch+json" },
    body: JSON.stringify({ url: `${TARGET}rival-${n}` }),
  }).then((r) => r.status);
  let attempts = 0;
  await page.route(api, async (route) => {
    if (route.request().method() !== "PATCH") return route.continue();
    for (; attempts < 100; attempts += 1) {
      const [own] = await Promise.all([route.fetch(), ...Array.from({ length: 6 }, (_, n) => rival(`${attempts}-${n}`))]);
      if (own.status() === 409) return route.fulfill({ response: own });
    }
    return route.abort();
  });
  const [lost] = await Promise.all([linkResponse(page, "PATCH"), page.click("#edit-save")]);
  assert.equal(lost.status(), 409, `no 409 in ${attempts} races`);
  await page.unroute(api);
  await page.locator("#edit-form-error").waitFor({ state: "visible" });
  assert.equal(
    await page.textContent("#edit-form-error"),
    "The link was changed somewhere else at the same moment, and nothing was saved. Check it and try again.",
  );
  assert.equal(await page.isVisible("#edit-dialog"), true, "the form stays open with its message");
  assert.equal(await page.inputValue("#edit-url"), `${TARGET}typed-during-the-race`, "the typed URL is kept");
  await page.screenshot({ path: join(SCREENSHOTS, "edit-lost-race.png") });

  const [saved] = await Promise.all([linkResponse(page, "PATCH"), page.click("#edit-save")]);
  assert.equal(saved.status(), 200, "saving again, with no rival, writes what was typed");
  await page.locator("#edit-dialog").waitFor({ state: "hidden" });
  assert.equal(await item.locator("p").textContent(), `${TARGET}typed-during-the-race`);
  assert.equal((await (await page.request.get(api)).json()).url, `${TARGET}typed-during-the-race`);
  assert.deepEqual(problems, []);
});

test("Edit and Delete work with the keyboard alone", async (t) => {
  const { page } = await openSite(t);
  const shortUrl = await shorten(page, `${TARGET}keys`);
  const tab = async (expected, shift = false) => {
    await page.keyboard.press(shift ? "Shift+Tab" : "Tab");
    assert.equal(await focusedName(page), expected);
  };
  await recentItem(page, shortUrl).locator("button.copy").focus();
  await tab(`Edit ${shortUrl}`);
  await page.keyboard.press("Enter");
  await page.locator("#edit-dialog").waitFor({ state: "visible" });
  assert.equal(await focusedName(page), "edit-url");
  await page.keyboard.press("Escape");
  await page.locator("#edit-dialog").waitFor({ state: "hidden" });
  assert.equal(await focusedName(page), `Edit ${shortUrl}`, "Escape closes the form and returns to Edit");

  await page.keyboard.press("Enter");
  await page.keyboard.press("ControlOrMeta+A");
  await page.keyboard.type(`${TARGET}keys-edited`);
  await tab("edit-expiry");
  await tab("edit-save");
  await tab("edit-cancel");
  await tab("edit-copy-manage");
  await tab("edit-cancel", true);
  await tab("edit-save", true);
  const [saved] = await Promise.all([linkResponse(page, "PATCH"), page.keyboard.press("Enter")]);
  assert.equal(saved.status(), 200);
  await page.locator("#edit-dialog").waitFor({ state: "hidden" });
  assert.equal(await focusedName(page), `Edit ${shortUrl}`);
  assert.equal(await recentItem(page, shortUrl).locator("p").textContent(), `${TARGET}keys-edited`);

  await tab(`Delete ${shortUrl}`);
  await page.keyboard.press("Enter");
  await page.locator("#delete-dialog").waitFor({ state: "visible" });
  assert.equal(await focusedName(page), "delete-cancel");
  await tab("delete-confirm", true);
  const [deleted] = await Promise.all([linkResponse(page, "DELETE"), page.keyboard.press("Enter")]);
  assert.equal(deleted.status(), 204);
  await page.locator("#delete-dialog").waitFor({ state: "hidden" });
  assert.equal(await focusedName(page), `Remove ${shortUrl} from recent links`);
});

for (const colorScheme of ["light", "dark"]) {
  test(`axe finds no serious or critical violation in the edit form and the delete confirmation (${colorScheme})`, async (t) => {
    const { page } = await openSite(t, { colorScheme });
    const shortUrl = await shorten(page, `${TARGET}axe-edit-${colorScheme}`, { expiry: "3600" });
    await recentItem(page, shortUrl).locator("button.edit").click();
    await page.locator("#edit-dialog").waitFor({ state: "visible" });
    assert.deepEqual(await seriousAxeViolations(page), [], "the edit form");

    await page.fill("#edit-url", "ftp://nope");
    await page.fill("#edit-expires-at", "2001-01-01T10:00");
    await page.press("#edit-url", "Enter");
    await assertFieldError(page, "edit-url", /^Only http:\/\/ and https:\/\/ links can be shortened\.$/);
    await page.locator("#edit-expiry-error").waitFor({ state: "visible" });
    assert.deepEqual(await seriousAxeViolations(page), [], "the edit form with errors");

    await page.keyboard.press("Escape");
    await recentItem(page, shortUrl).locator("button.delete").click();
    await page.locator("#delete-dialog").waitFor({ state: "visible" });
    assert.deepEqual(await seriousAxeViolations(page), [], "the delete confirmation");
  });
}

/** The manage token this browser keeps for `shortUrl`. */
const keptToken = (page, shortUrl) => page.evaluate(
  (url) => JSON.parse(localStorage.getItem("shortener.recent.v1")).find((l) => l.shortUrl === url).manageToken,
  shortUrl,
);

/** The link's counts as the API reads them, once the stack has counted (from its own log) at least `clicks`
 * clicks and `bots` visits by bots, or after 20 s. */
async function countedStats(shortUrl, token, { clicks, bots }) {
  const id = new URL(shortUrl).pathname.slice(1);
  const deadline = Date.now() + 20_000;
  for (;;) {
    const response = await fetch(`${STACK}api/links/${id}/stats`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 200, await response.clone().text());
    const stats = await response.json();
    if ((stats.clicks >= clicks && stats.bots >= bots) || Date.now() > deadline) return stats;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

test("each recent link shows its clicks, counted from the stack's own access log, and the edit form charts them per day", async (t) => {
  const { page, problems } = await openSite(t);
  const clicked = await shorten(page, `${TARGET}counted`);
  const quiet = await shorten(page, `${TARGET}never-clicked`);
  const token = await keptToken(page, clicked);

  // Clicks as the stack sees them: a HEAD and the preview page, which are not clicks, then three GETs by a
  // program and one by a link-preview bot. The stack counts its files in order, so once the GETs are counted the
  // lines before them are too.
  assert.equal((await fetch(clicked, { method: "HEAD", redirect: "manual" })).status, 301);
  assert.equal((await fetch(`${clicked}+`)).status, 200);
  for (const headers of [{}, {}, {}, { "user-agent": "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)" }]) {
    const response = await fetch(clicked, { redirect: "manual", headers });
    assert.equal(response.status, 301);
  }
  const stats = await countedStats(clicked, token, { clicks: 3, bots: 1 });
  assert.equal(stats.clicks, 3, JSON.stringify(stats));
  assert.equal(stats.bots, 1);

  await page.reload();
  await page.waitForSelector("html[data-ready=true]");
  const countOf = (shortUrl) => recentItem(page, shortUrl).locator(".clicks");
  await page.waitForFunction(() => [...document.querySelectorAll("#recent-list .clicks")].every((c) => !c.textContent.includes("…")));
  assert.equal(await countOf(clicked).textContent(), "3 clicks in 90 days");
  assert.equal(await countOf(quiet).textContent(), "0 clicks in 90 days");

  await recentItem(page, clicked).locator("button.edit").click();
  await page.locator("#edit-dialog").waitFor({ state: "visible" });
  await page.waitForFunction(() => !document.getElementById("stats-summary").textContent.startsWith("Loading"));
  assert.equal(await shownText(page, "#stats-summary"), "3 clicks, and 1 visit by bots and link previews.");
  const bars = page.locator("#stats-chart svg rect.bar");
  assert.equal(await bars.count(), 1, "one bar per day with clicks: all of them were today");
  const today = await page.evaluate(() => new Date().toLocaleDateString(undefined, { dateStyle: "medium", timeZone: "UTC" }));
  assert.equal(await bars.first().locator("title").textContent(), `${today}: 3 clicks`);
  assert.equal(await page.getAttribute("#stats-chart svg", "role"), "img");
  assert.match(await page.textContent("#chart-title"), /^Clicks per day, .+ to /);
  assert.equal(await page.textContent("#chart-desc"), `${today}: 3 clicks`, "the numbers are there as text");
  await page.click("#stats-days summary");
  assert.deepEqual(await page.locator("#stats-rows td").allTextContents(), [today, "3", "1"]);
  assert.match(await shownText(page, "#stats-until"), /^Counted until .+: clicks after that are not counted yet\.$/);
  assert.deepEqual(await seriousAxeViolations(page), []);
  await page.screenshot({ path: join(SCREENSHOTS, "clicks-chart.png") });
  await page.keyboard.press("Escape");

  await recentItem(page, quiet).locator("button.edit").click();
  await page.waitForFunction(() => !document.getElementById("stats-summary").textContent.startsWith("Loading"));
  assert.match(await shownText(page, "#stats-summary"), /^No clicks yet\. When people open the short link/);
  assert.equal(await page.locator("#stats-chart svg").count(), 0, "no chart of nothing");
  assert.equal(await page.isHidden("#stats-days"), true);
  assert.deepEqual(problems, []);
});

test("the recent list shows at once while counts load, and a count that cannot be read is a dash, not an error", async (t) => {
  const { page, problems } = await openSite(t);
  const shortUrl = await shorten(page, `${TARGET}count-unreadable`);
  let release;
  const held = new Promise((resolve) => {
    release = resolve;
  });
  await page.route("**/api/links/*/stats", async (route) => {
    await held;
    await route.abort();
  });

  await page.reload();
  await page.waitForSelector("html[data-ready=true]");

  assert.deepEqual(await recentLinks(page), [shortUrl], "the list does not wait for the counts");
  assert.equal(await recentItem(page, shortUrl).locator(".clicks").textContent(), "Clicks: …");
  release();
  await page.waitForFunction(() => document.querySelector("#recent-list .clicks").textContent === "Clicks: —");
  assert.equal(await page.isHidden("#form-error"), true);
  assert.equal(await recentItem(page, shortUrl).locator("button.edit").isVisible(), true);
  await recentItem(page, shortUrl).locator("button.edit").click();
  await page.waitForFunction(() => document.getElementById("stats-summary").textContent.startsWith("Clicks: —"));
  assert.equal(await page.isHidden("#edit-form-error"), true, "the form itself works without the counts");
  assert.deepEqual(problems, []);
});

test("when this address has created its links for the hour, the page gives the API's message and when to try again", async (t) => {
  const { page, problems } = await openSite(t, { base: QUOTA_STACK });
  // The quota is one link per clock hour: two attempts exhaust it, a third covers an hour turning in between.
  let response;
  for (let attempt = 0; attempt < 3 && response?.status() !== 429; attempt++) {
    response = await submit(page, `${TARGET}one-too-many-${attempt}`);
  }
  assert.equal(response.status(), 429);
  const wait = Number(response.headers()["retry-after"]);
  assert.ok(wait > 0 && wait <= 3600, `Retry-After: ${wait}`);
  const error = page.locator("#form-error");
  await error.waitFor({ state: "visible" });
  const text = await error.textContent();
  const when = wait < 90 ? `in ${wait} seconds?` : `in ${Math.ceil(wait / 60)} minutes \\(at [^)]+\\)`;
  assert.match(text, new RegExp(`^Too many links created from this address this hour\\. Try again ${when}\\.$`));
  assert.deepEqual(problems, []);
});

test("the dark color scheme is dark and the light one light", async (t) => {
  const luminance = (page, selector, property) => page.evaluate(([s, p]) => {
    const [r, g, b] = getComputedStyle(document.querySelector(s))[p].match(/\d+(\.\d+)?/g).map(Number);
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255;
  }, [selector, property]);
  const dark = (await openSite(t, { colorScheme: "dark" })).page;
  assert.ok((await luminance(dark, "body", "backgroundColor")) < 0.15);
  assert.ok((await luminance(dark, "body", "color")) > 0.8);
  assert.ok((await luminance(dark, "#url", "backgroundColor")) < 0.15);
  const light = (await openSite(t, { colorScheme: "light" })).page;
  assert.ok((await luminance(light, "body", "backgroundColor")) > 0.9);
  assert.ok((await luminance(light, "body", "color")) < 0.2);
});

for (const colorScheme of ["light", "dark"]) {
  test(`axe finds no serious or critical violation (${colorScheme}: empty, with errors, with a result)`, async (t) => {
    const { page } = await openSite(t, { colorScheme });
    assert.deepEqual(await seriousAxeViolations(page), [], "empty page");

    await page.click("#options summary");
    await page.fill("#alias", "x");
    await page.fill("#url", "ftp://nope");
    await page.press("#url", "Enter");
    await page.locator("#url-error").waitFor({ state: "visible" });
    assert.deepEqual(await seriousAxeViolations(page), [], "with errors shown");

    await page.fill("#alias", "");
    await shorten(page, `${TARGET}axe-${colorScheme}`);
    await shorten(page, `${TARGET}axe-${colorScheme}-again`, { expiry: "3600" });
    assert.deepEqual(await seriousAxeViolations(page), [], "with a result and recent links");
  });
}

for (const [name, viewport] of [["390x844", PHONE], ["1280x800", DESKTOP]]) {
  test(`fits a ${name} screen without sideways scrolling; screenshots saved`, async (t) => {
    for (const colorScheme of ["light", "dark"]) {
      const { page } = await openSite(t, { viewport, colorScheme });
      await page.screenshot({ path: join(SCREENSHOTS, `empty-${name}-${colorScheme}.png`) });
      await page.click("#options summary");
      await page.fill("#url", "example.com/has spaces");
      await page.press("#url", "Enter");
      await assertFieldError(page, "url", /cannot contain spaces/);
      await page.screenshot({ path: join(SCREENSHOTS, `error-${name}-${colorScheme}.png`) });
      await shorten(page, `${TARGET}2026/11/24/a-long-article-title-that-people-share-a-lot?utm_source=newsletter`);
      await shorten(page, `${TARGET}docs/getting-started`, { alias: unique("docs"), expiry: "604800" });
      await page.evaluate(() => document.activeElement?.blur());
      await page.waitForFunction(() => document.getElementById("copy").textContent === "Copy");
      await page.screenshot({ path: join(SCREENSHOTS, `result-${name}-${colorScheme}.png`), fullPage: true });
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      assert.ok(overflow <= 0, `${colorScheme}: the page is ${overflow}px wider than the ${name} screen`);
      const qr = await page.locator("#qr svg").boundingBox();
      assert.ok(qr.width >= 150 && qr.width <= viewport.width, `the QR code is ${qr.width}px wide`);

      await page.click("#recent-list li:first-child button.edit");
      await page.selectOption("#edit-expiry", "custom");
      await page.screenshot({ path: join(SCREENSHOTS, `edit-${name}-${colorScheme}.png`) });
      const dialog = await page.locator("#edit-dialog").boundingBox();
      assert.ok(dialog.x >= 0 && dialog.x + dialog.width <= viewport.width, `the edit form spans ${dialog.x} to ${dialog.x + dialog.width}`);
    }
  });
}

test("the footer names where to report abuse when config.json sets abuseContact, and nothing when it does not", async (t) => {
  const { abuseContact } = JSON.parse(readFileSync(new URL("../../site/config.json", import.meta.url), "utf8"));
  const address = abuseContact.replace(/^mailto:/, "");
  const { page, problems } = await openSite(t);
  await page.waitForSelector("#abuse:not([hidden])");
  assert.equal((await page.textContent("#abuse")).replace(/\s+/g, " ").trim(), `Report abuse: ${address}`);
  assert.equal(await page.getAttribute("#abuse-contact", "href"), `mailto:${address}`);
  assert.deepEqual(problems, []);

  const { page: unset, requests } = await openSite(t, { base: CONFIG_STACK, bypassCSP: true });
  await unset.waitForLoadState("networkidle");
  assert.ok(requests.includes(`${CONFIG_STACK}config.json`));
  assert.equal(await unset.isHidden("#abuse"), true, "a config.json without abuseContact shows no abuse line");
});

test("a config.json naming another API origin sends the form there, through CORS", async (t) => {
  // The local stack's CSP allows `connect-src 'self'` only; a deployment that points the site at another API
  // origin must list that origin in its CSP. This test is about config.json and CORS, so it bypasses the CSP.
  const { page, requests } = await openSite(t, { base: CONFIG_STACK, bypassCSP: true });
  const apiOrigin = `http://localhost:${new URL(CONFIG_STACK).port}`;
  const response = await submit(page, `${TARGET}via-config`);
  assert.equal(new URL(response.url()).origin, apiOrigin);
  assert.equal(response.status(), 201);
  assert.equal((await response.allHeaders())["access-control-allow-origin"], new URL(CONFIG_STACK).origin);
  await page.waitForSelector("#result:not([hidden])");
  const shortUrl = await page.textContent("#short-link");
  assert.ok(shortUrl.startsWith(CONFIG_STACK), shortUrl);
  assert.ok(requests.includes(`${CONFIG_STACK}config.json`));
  await Promise.all([page.waitForURL(`${TARGET}via-config`), page.click("#short-link")]);

  // An edit goes there too: a PATCH with the token in Authorization, so a preflight first.
  await page.goBack();
  await page.waitForSelector("html[data-ready=true]");
  await recentItem(page, shortUrl).locator("button.edit").click();
  await page.fill("#edit-url", `${TARGET}via-config-edited`);
  const [edited] = await Promise.all([linkResponse(page, "PATCH"), page.press("#edit-url", "Enter")]);
  assert.equal(new URL(edited.url()).origin, apiOrigin);
  assert.equal(edited.status(), 200);
  await page.locator("#edit-dialog").waitFor({ state: "hidden" });
  const id = shortUrl.split("/").pop();
  assert.equal((await (await page.request.get(`${CONFIG_STACK}api/links/${id}`)).json()).url, `${TARGET}via-config-edited`);
});

test("the QR encoder's codes decode for short and long texts (versions 1 to 40)", async (t) => {
  const { page } = await openSite(t);
  const lengths = [1, 20, 40, 80, 120, 150, 200, 300, 600, 1200, 2300];
  const codes = await page.evaluate(async (lengths) => {
    // The encoder under the content-hashed name the page loaded it by, as deployed.
    const loaded = performance.getEntriesByType("resource").map((entry) => new URL(entry.name).pathname);
    const qr = loaded.find((path) => /^\/assets\/qr\.[0-9a-f]{8}\.js$/.test(path));
    if (!qr) throw new Error(`no content-hashed qr.js among ${loaded.join(", ")}`);
    const { encode } = await import(qr);
    const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_/";
    return lengths.map((length) => {
      const text = Array.from({ length }, (_, i) => alphabet[(i * 7 + length) % alphabet.length]).join("");
      const { version, size, dark } = encode(text);
      return { text, version, size, dark: Array.from(dark) };
    });
  }, lengths);
  const versions = new Set();
  for (const { text, version, size, dark } of codes) {
    versions.add(version);
    const scale = 4;
    const side = (size + 8) * scale;
    const pixels = new Uint8ClampedArray(side * side * 4).fill(255);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        if (!dark[y * size + x]) continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const i = (((y + 4) * scale + dy) * side + (x + 4) * scale + dx) * 4;
            pixels[i] = pixels[i + 1] = pixels[i + 2] = 0;
          }
        }
      }
    }
    assert.equal(jsQR(pixels, side, side)?.data, text, `${text.length} bytes, version ${version}`);
  }
  assert.ok(versions.has(1) && [...versions].some((v) => v >= 7) && versions.has(40), [...versions].join(","));
});
