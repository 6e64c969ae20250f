import { Logger } from '@nestjs/common';
import puppeteer, { type Browser } from 'puppeteer-core';
import { RenderFailed, ShuttingDown } from '../common/domain.errors';
import { within } from '../common/within';

export interface ChromiumSettings {
  executablePath: string | undefined;
  /** Renders one browser serves before it is replaced. */
  recycleAfter: number;
  /** Chromium's own sandbox (needs user namespaces); off adds `--no-sandbox`. */
  sandbox: boolean;
}

/** One use of the browser; `release()` exactly once when the render is done. */
export interface BrowserLease {
  browser: Browser;
  release(): void;
}

interface ChromiumInstance {
  browser: Browser;
  pid: number | undefined;
  renders: number;
  active: number;
  retired: boolean;
}

const MAX_LAUNCH_BACKOFF_MS = 30000;
const CLOSE_TIMEOUT_MS = 5000;

/**
 * Flags beyond Puppeteer's defaults (which already disable background networking, sync and first-run UI).
 * Chromium still calls Google's hosts for accounts, component updates and network time: those names are
 * mapped to nowhere so the browser talks only to the report frontend.
 *
 * ScriptStreaming is off because a slot's renderer process loads the same bundle render after render:
 * compiled on the main thread, a script is found in V8's per-process compilation cache (keyed by its
 * source; bytecode, nothing of a user) and not parsed again, while a streamed script is parsed again on
 * a worker every time (about 85 ms of CPU per render for a 680 kB React bundle, measured with a trace).
 * The HTTP cache, which would otherwise carry V8's code cache, is wiped after every render.
 *
 * BackForwardCache is off: it would keep the previous viewer's report page alive (frozen) in the slot's tab
 * after the wipe navigates away, where a `history.back()` could bring it back.
 */
const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-breakpad',
  '--disable-crash-reporter',
  '--disable-dev-shm-usage',
  '--disable-component-update',
  '--disable-domain-reliability',
  '--disable-features=NetworkTimeServiceQuerying,Translate,MediaRouter,OptimizationHints,ScriptStreaming,BackForwardCache',
  '--host-resolver-rules=MAP *.google.com ~NOTFOUND, MAP *.googleapis.com ~NOTFOUND, MAP *.gstatic.com ~NOTFOUND, MAP *.gvt1.com ~NOTFOUND, MAP *.googleusercontent.com ~NOTFOUND',
];

/**
 * Keeps one Chromium alive: launched at startup, relaunched (one launch at a time, with backoff after
 * failures) when it disconnects, replaced after `recycleAfter` renders without failing the renders it is
 * still serving, and killed with its whole process group so no helper outlives it.
 */
export class ChromiumSupervisor {
  private readonly logger = new Logger(ChromiumSupervisor.name);
  private readonly instances = new Set<ChromiumInstance>();
  private current: ChromiumInstance | undefined;
  private launching: Promise<ChromiumInstance> | undefined;
  private launchFailures = 0;
  private nextLaunchAt = 0;
  private closed = false;
  private launches = 0;

  constructor(
    private readonly settings: ChromiumSettings,
    private readonly onRelaunch: () => void = () => undefined,
  ) {}

  get connected(): boolean {
    return this.current?.browser.connected ?? false;
  }

  /** Launches the browser now (startup fails loudly when it cannot). */
  async start(): Promise<void> {
    await this.instance();
  }

  async lease(): Promise<BrowserLease> {
    const instance = await this.instance();
    instance.active += 1;
    instance.renders += 1;
    if (instance.renders >= this.settings.recycleAfter) this.retire(instance);
    let released = false;
    return {
      browser: instance.browser,
      release: () => {
        if (released) return;
        released = true;
        instance.active -= 1;
        if (instance.retired && instance.active === 0) void this.closeInstance(instance);
      },
    };
  }

  /** Pids of the Chromium main processes now running (for tests and diagnostics). */
  pids(): number[] {
    return [...this.instances].flatMap((instance) => (instance.pid === undefined ? [] : [instance.pid]));
  }

  /**
   * Kills every Chromium process group now, synchronously: for exit paths that cannot wait (a second
   * signal, a shutdown past its deadline, `process.exit` anywhere), so none outlives the service.
   */
  killNow(): void {
    this.closed = true;
    for (const instance of this.instances) killProcessGroup(instance.pid);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.launching?.catch(() => undefined);
    await Promise.all([...this.instances].map((instance) => this.closeInstance(instance)));
  }

  private async instance(): Promise<ChromiumInstance> {
    if (this.closed) throw new ShuttingDown();
    const current = this.current;
    if (current && current.browser.connected && !current.retired) return current;
    this.launching ??= this.launch().finally(() => (this.launching = undefined));
    return this.launching;
  }

  private async launch(): Promise<ChromiumInstance> {
    const wait = this.nextLaunchAt - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    let browser: Browser;
    try {
      browser = await puppeteer.launch({
        executablePath: this.settings.executablePath,
        headless: true,
        args: [...CHROMIUM_ARGS, ...(this.settings.sandbox ? [] : ['--no-sandbox'])],
        // The protocol over a pipe, not a WebSocket: no frame masking or framing in JS for the ~1 MB of
        // shared static files a render hands to the page (about 25 ms of the service's CPU per render).
        pipe: true,
        // Shutdown is ours: we drain renders first, then close the browser.
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
      });
    } catch (error) {
      this.launchFailures += 1;
      this.nextLaunchAt = Date.now() + Math.min(MAX_LAUNCH_BACKOFF_MS, 250 * 2 ** this.launchFailures);
      const path = this.settings.executablePath ?? '(no Chromium found; set CHROME_PATH)';
      throw new RenderFailed('launch_failed', `Chromium could not be launched from ${path}`, {
        cause: error,
      });
    }
    this.launchFailures = 0;
    this.launches += 1;
    if (this.launches > 1) this.onRelaunch();
    const instance: ChromiumInstance = {
      browser,
      pid: browser.process()?.pid,
      renders: 0,
      active: 0,
      retired: false,
    };
    this.instances.add(instance);
    browser.once('disconnected', () => this.onDisconnected(instance));
    if (this.closed) {
      await this.closeInstance(instance);
      throw new ShuttingDown();
    }
    this.current = instance;
    this.logger.log(`Chromium started (pid ${instance.pid ?? 'unknown'})`);
    return instance;
  }

  private retire(instance: ChromiumInstance): void {
    instance.retired = true;
    if (this.current === instance) this.current = undefined;
    if (instance.active === 0) void this.closeInstance(instance);
  }

  private onDisconnected(instance: ChromiumInstance): void {
    if (this.current === instance) this.current = undefined;
    if (!instance.retired && !this.closed) this.logger.warn(`Chromium (pid ${instance.pid}) disconnected`);
    killProcessGroup(instance.pid);
    this.instances.delete(instance);
  }

  private async closeInstance(instance: ChromiumInstance): Promise<void> {
    instance.retired = true;
    if (this.current === instance) this.current = undefined;
    if (instance.browser.connected) {
      const closing = instance.browser
        .close()
        .catch((error: unknown) => this.logger.warn({ err: error }, 'browser.close failed'));
      await within(closing, CLOSE_TIMEOUT_MS, () => undefined);
    }
    // Helpers (zygote, renderers) share the main process's group; killing the group leaves none behind.
    killProcessGroup(instance.pid);
    this.instances.delete(instance);
  }
}

function killProcessGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw error;
  }
}
