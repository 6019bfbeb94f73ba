// Opens the built documentation site the way a reader would, in Debian's Chromium
// (headless, driven by playwright-core; no browser is ever downloaded), and fails on
// anything a reader would trip over:
//
//   node tools/docs/check_site.mjs build/site build/docs-screenshots
//
// - every page of the site loads with no console error, page error or failed request;
// - the navigation alone reaches every page;
// - every internal link resolves, anchors included;
// - the search finds "ServerEnv";
// - screenshots of the home page and of a guide are written for the CI artifacts.
//
// Each wait has a deadline; a browser that fails to start is retried once, then its
// error is reported.

import { createServer } from "node:http";
import { existsSync, mkdirSync, readFileSync, readdirSync, statSync } from "node:fs";
import { extname, join, resolve, sep } from "node:path";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.RLAY_CHROMIUM || "/usr/bin/chromium";
const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const PAGE_TIMEOUT_MS = 20_000;
const SEARCH_TIMEOUT_MS = 20_000;
const SEARCH_TERM = "ServerEnv";
const GUIDE = "unity/";

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".xml": "application/xml",
  ".woff2": "font/woff2",
  ".txt": "text/plain; charset=utf-8",
};

function fail(message) {
  console.error(`check_site: ${message}`);
  process.exit(1);
}

function serve(root) {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, "http://x").pathname);
    let file = resolve(join(root, path));
    if (!file.startsWith(root + sep) && file !== root) {
      response.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, "index.html");
    if (!existsSync(file)) {
      response.writeHead(404).end("not found");
      return;
    }
    response.writeHead(200, { "content-type": TYPES[extname(file)] || "application/octet-stream" });
    response.end(readFileSync(file));
  });
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done(server)));
}

// Every page the site has: each folder with an index.html, except the 404 page.
function sitePages(root, folder = root, found = []) {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) {
      if (!["assets", "search"].includes(name) || folder !== root) sitePages(root, path, found);
    } else if (name === "index.html") {
      found.push(path.slice(root.length + 1, -"index.html".length));
    }
  }
  return found.sort();
}

async function launch() {
  const options = { executablePath: CHROMIUM, headless: true, args: FLAGS, timeout: 30_000 };
  try {
    return await chromium.launch(options);
  } catch (first) {
    console.error(`check_site: Chromium did not start (${first.message.split("\n")[0]}); retrying once`);
    try {
      return await chromium.launch(options);
    } catch (second) {
      fail(`Chromium (${CHROMIUM}) did not start twice:\n${second.message}`);
    }
  }
}

async function main() {
  const [siteArg, shotsArg] = process.argv.slice(2);
  if (!siteArg || !shotsArg) fail("usage: check_site.mjs SITE_DIR SCREENSHOT_DIR");
  const root = resolve(siteArg);
  if (!existsSync(join(root, "index.html"))) fail(`${root} has no index.html: build the site first`);
  mkdirSync(shotsArg, { recursive: true });
  const pages = sitePages(root);

  const server = await serve(root);
  const base = `http://127.0.0.1:${server.address().port}/`;
  // A fresh profile per run: Chromium keeps nothing between runs.
  const browser = await launch();
  const problems = [];
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  // Nothing leaves the machine: a page that needs the network is a problem of the site.
  await context.route(
    (url) => url.hostname !== "127.0.0.1",
    (route) => {
      problems.push(`request to ${route.request().url()} (the site must not need the network)`);
      return route.abort("blockedbyclient");
    },
  );
  const anchorsByPage = new Map();
  const linksByPage = new Map();
  let navTargets = new Set();

  for (const path of pages) {
    const page = await context.newPage();
    const where = `/${path}`;
    page.on("console", (message) => {
      if (message.type() === "error") problems.push(`${where}: console error: ${message.text()}`);
    });
    page.on("pageerror", (error) => problems.push(`${where}: page error: ${error.message}`));
    page.on("requestfailed", (request) =>
      problems.push(`${where}: request failed: ${request.url()} (${request.failure()?.errorText})`),
    );
    page.on("response", (response) => {
      if (response.status() >= 400) problems.push(`${where}: HTTP ${response.status()} for ${response.url()}`);
    });
    const response = await page.goto(base + path, { waitUntil: "load", timeout: PAGE_TIMEOUT_MS });
    if (!response || response.status() !== 200) problems.push(`${where}: HTTP ${response?.status()}`);
    const found = await page.evaluate(() => ({
      ids: [...document.querySelectorAll("[id]")].map((e) => e.id),
      links: [...document.querySelectorAll("article a[href], nav a[href]")].map((a) => a.href),
      nav: [...document.querySelectorAll("nav.md-nav--primary a.md-nav__link[href]")].map((a) => a.href),
    }));
    anchorsByPage.set(path, new Set(found.ids));
    linksByPage.set(path, found.links);
    for (const href of found.nav) navTargets.add(href);
    if (path === "") await page.screenshot({ path: join(shotsArg, "home.png"), fullPage: false });
    if (path === GUIDE) await page.screenshot({ path: join(shotsArg, "guide-unity.png"), fullPage: false });
    await page.close();
  }

  // The navigation reaches every page.
  const reached = new Set(
    [...navTargets]
      .filter((href) => href.startsWith(base))
      .map((href) => new URL(href).pathname.slice(1)),
  );
  for (const path of pages) {
    if (!reached.has(path)) problems.push(`/${path}: not reachable from the navigation`);
  }

  // Every internal link resolves, to a page and to an anchor on it.
  for (const [path, links] of linksByPage) {
    for (const href of links) {
      if (!href.startsWith(base)) continue;
      const url = new URL(href);
      let target = url.pathname.slice(1);
      if (target.endsWith("index.html")) target = target.slice(0, -"index.html".length);
      if (anchorsByPage.has(target)) {
        const anchor = decodeURIComponent(url.hash.slice(1));
        if (anchor && !anchorsByPage.get(target).has(anchor)) {
          problems.push(`/${path}: link to ${url.pathname}${url.hash}: no such anchor`);
        }
      } else if (!existsSync(join(root, decodeURIComponent(target)))) {
        problems.push(`/${path}: link to ${url.pathname}: no such page or file`);
      }
    }
  }

  // The search finds the class users look for.
  const page = await context.newPage();
  page.on("pageerror", (error) => problems.push(`search: page error: ${error.message}`));
  await page.goto(base, { waitUntil: "load", timeout: PAGE_TIMEOUT_MS });
  // Typed key by key, as a reader does: Material searches on keyboard events.
  await page.locator("input.md-search__input").focus({ timeout: PAGE_TIMEOUT_MS });
  await page.keyboard.type(SEARCH_TERM, { delay: 20 });
  const results = page.locator("li.md-search-result__item");
  try {
    await results.first().waitFor({ state: "visible", timeout: SEARCH_TIMEOUT_MS });
    const count = await results.count();
    const text = await page.locator(".md-search-result").innerText();
    if (!text.includes(SEARCH_TERM)) problems.push(`search for ${SEARCH_TERM}: results do not mention it`);
    console.log(`check_site: search for "${SEARCH_TERM}" found ${count} pages`);
    await page.screenshot({ path: join(shotsArg, "search.png"), fullPage: false });
  } catch (error) {
    problems.push(`search for ${SEARCH_TERM}: no result within ${SEARCH_TIMEOUT_MS} ms`);
  }

  await browser.close();
  server.close();
  if (problems.length) fail(`${problems.length} problem(s):\n  ${problems.join("\n  ")}`);
  console.log(`check_site: ${pages.length} pages load cleanly, all reached from the navigation, internal links resolve; screenshots in ${shotsArg}`);
}

main().catch((error) => fail(error.stack || String(error)));
