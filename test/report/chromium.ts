/**
 * Headless Chromium driven over the DevTools protocol (a WebSocket), for the report tests: open a
 * page, collect console errors, exceptions and every network request, evaluate JavaScript in the
 * page and take screenshots. The browser runs with a fresh profile and is killed in close().
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export const CHROMIUM = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
  "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--remote-debugging-port=0",
];

interface Pending {
  resolve: (v: any) => void;
  reject: (e: Error) => void;
}

export class Browser {
  /** Console messages of level error, uncaught exceptions and log entries of level error. */
  readonly errors: string[] = [];
  /** URLs the page requested (the page itself included). */
  readonly requests: string[] = [];
  private id = 0;
  private readonly pending = new Map<number, Pending>();
  private readonly waiters: { method: string; resolve: (p: any) => void }[] = [];

  private constructor(private readonly proc: Bun.Subprocess, private readonly ws: WebSocket, private readonly profile: string) {
    ws.onmessage = (ev) => {
      const m = JSON.parse(String(ev.data));
      if (m.id !== undefined) {
        const p = this.pending.get(m.id);
        this.pending.delete(m.id);
        if (m.error) p?.reject(new Error(`${m.error.message}`));
        else p?.resolve(m.result);
        return;
      }
      if (m.method === "Runtime.consoleAPICalled" && (m.params.type === "error" || m.params.type === "assert")) {
        this.errors.push(`console.${m.params.type}: ${m.params.args.map((a: any) => a.value ?? a.description).join(" ")}`);
      } else if (m.method === "Runtime.exceptionThrown") {
        this.errors.push(`exception: ${m.params.exceptionDetails.exception?.description ?? m.params.exceptionDetails.text}`);
      } else if (m.method === "Log.entryAdded" && m.params.entry.level === "error") {
        this.errors.push(`log: ${m.params.entry.text} ${m.params.entry.url ?? ""}`);
      } else if (m.method === "Network.requestWillBeSent") {
        this.requests.push(m.params.request.url);
      }
      for (let i = this.waiters.length - 1; i >= 0; i--) {
        if (this.waiters[i]!.method === m.method) this.waiters.splice(i, 1)[0]!.resolve(m.params);
      }
    };
  }

  static async launch(width = 1440, height = 1000): Promise<Browser> {
    const profile = mkdtempSync(join(tmpdir(), "report-chromium-"));
    const proc = Bun.spawn([CHROMIUM!, ...FLAGS, `--user-data-dir=${profile}`, `--window-size=${width},${height}`, "about:blank"], { stdout: "ignore", stderr: "ignore" });
    try {
      const portFile = join(profile, "DevToolsActivePort");
      const t0 = Date.now();
      while (!existsSync(portFile) || readFileSync(portFile, "utf8").split("\n").length < 2) {
        if (Date.now() - t0 > 30_000) throw new Error("chromium did not open its DevTools port within 30 s");
        await Bun.sleep(50);
      }
      const port = Number(readFileSync(portFile, "utf8").split("\n")[0]);
      const targets = (await (await fetch(`http://127.0.0.1:${port}/json/list`)).json()) as { type: string; webSocketDebuggerUrl: string }[];
      const page = targets.find((t) => t.type === "page");
      if (!page) throw new Error("chromium opened no page");
      const ws = new WebSocket(page.webSocketDebuggerUrl);
      await new Promise<void>((res, rej) => ((ws.onopen = () => res()), (ws.onerror = () => rej(new Error("DevTools WebSocket failed")))));
      const b = new Browser(proc, ws, profile);
      for (const d of ["Runtime.enable", "Log.enable", "Page.enable", "Network.enable"]) await b.send(d);
      await b.send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: false });
      return b;
    } catch (e) {
      proc.kill();
      rmSync(profile, { recursive: true, force: true });
      throw e;
    }
  }

  send(method: string, params: object = {}): Promise<any> {
    const id = ++this.id;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  private next(method: string): Promise<any> {
    return new Promise((resolve) => this.waiters.push({ method, resolve }));
  }

  /** Navigates and waits for the load event (and the page's scripts). */
  async open(url: string): Promise<void> {
    const loaded = this.next("Page.loadEventFired");
    await this.send("Page.navigate", { url });
    await loaded;
  }

  /** Evaluates an expression (a promise is awaited) and returns its JSON value. */
  async eval<T>(expression: string): Promise<T> {
    const r = await this.send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
    if (r.exceptionDetails) throw new Error(`page evaluation failed: ${r.exceptionDetails.exception?.description ?? r.exceptionDetails.text}`);
    return r.result.value as T;
  }

  /** PNG of a region of the page (CSS pixels from the document's top-left), or of the whole page. */
  async screenshot(clip?: { x: number; y: number; width: number; height: number }): Promise<Buffer> {
    const c = clip ?? (await this.eval<{ x: number; y: number; width: number; height: number }>(
      "({x:0,y:0,width:document.documentElement.scrollWidth,height:document.documentElement.scrollHeight})",
    ));
    const r = await this.send("Page.captureScreenshot", { format: "png", captureBeyondViewport: true, clip: { ...c, scale: 1 } });
    return Buffer.from(r.data, "base64");
  }

  async close(): Promise<void> {
    try {
      this.ws.close();
    } finally {
      this.proc.kill();
      await this.proc.exited;
      rmSync(this.profile, { recursive: true, force: true });
    }
  }
}

/**
 * Evaluated in the page: for every uPlot chart, the canvas pixels its series draw — painted pixels
 * with every series shown minus painted pixels with all of them hidden (grid, axes and shading
 * stay). Keyed by chart id.
 */
export const SERIES_PIXELS_JS = `(async () => {
  const frame = () => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  const painted = (u) => {
    const c = u.ctx.canvas, d = u.ctx.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 3; i < d.length; i += 4) if (d[i] > 0) n++;
    return n;
  };
  const out = {};
  for (const [id, u] of Object.entries(window.tearsheet.charts)) {
    const all = painted(u);
    const shown = u.series.map((s) => s.show);
    for (let i = 1; i < u.series.length; i++) u.setSeries(i, { show: false });
    await frame();
    const bare = painted(u);
    for (let i = 1; i < u.series.length; i++) u.setSeries(i, { show: shown[i] });
    await frame();
    out[id] = all - bare;
  }
  return out;
})()`;
