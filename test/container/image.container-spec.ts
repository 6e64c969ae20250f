import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import {
  startReactReportFrontend,
  type ReactReportFrontend,
} from '../../bench/fixtures/react-report/react-report-frontend';
import { ENVIRONMENT_VARIABLES } from '../../src/config/environment.variables';
import { loadServiceConfig } from '../../src/config/load-service-config';
import { popplerOn, pdfText } from '../support/pdf-text';
import { freePort, startRedis, until, type TestRedis } from '../support/processes';
import { s3Env, startS3rver, type TestS3 } from '../support/s3rver';

const runFile = promisify(execFile);
const ROOT = join(__dirname, '../..');
const IMAGE = 'localhost/pdf-report-service:test';
/** The machine's own trust store: where TLS is inspected, it is what lets npm reach the registry. */
const CA_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';
const INTERNAL_TOKEN = 'container-test-internal-token-0123456789';
const JWT_SECRET = 'container-test-jwt-secret-0123456789';
/**
 * The image's size budget, from what its layers weigh (`podman history`, `du` inside): the apt layer is about
 * 800 MB (Chromium itself 330 MB; its libraries, among them Mesa's software GL with LLVM 110 MB, ICU 30 MB,
 * GTK; fonts 45 MB), the base about 260 MB (the stand-in; the official node:22-bookworm-slim about 200 MB),
 * production node_modules 185 MB (OpenTelemetry 64 MB of it). 1.3 GB leaves room for a Chromium update but
 * not for apt's downloaded packages (280 MB, which the Dockerfile's `apt-get clean` removes), a second copy
 * of node_modules or a build cache.
 */
const SIZE_BUDGET_MB = 1300;
const names = [`pdf-ct-${process.pid}-a`, `pdf-ct-${process.pid}-b`, `pdf-ct-${process.pid}-c`];

/** podman refuses default ulimits above the machine's hard limits: ask for what the machine allows. */
function ulimitArgs(): string[] {
  const hard = (flag: string, cap: number) => {
    const value = execFileSync('bash', ['-c', `ulimit -H${flag}`], { encoding: 'utf8' }).trim();
    return value === 'unlimited' ? cap : Math.min(cap, Number(value));
  };
  const files = hard('n', 65536);
  const processes = hard('u', 32768);
  return ['--ulimit', `nofile=${files}:${files}`, '--ulimit', `nproc=${processes}:${processes}`];
}

async function podman(args: string[], timeoutMs = 120_000): Promise<string> {
  const { stdout } = await runFile('podman', args, { cwd: ROOT, timeout: timeoutMs, maxBuffer: 64 << 20 });
  return stdout.trim();
}

interface Replica {
  name: string;
  base: string;
}

describe('the container image (podman, built from the committed Dockerfile)', () => {
  let s3: TestS3;
  let redis: TestRedis;
  let frontend: ReactReportFrontend;
  /** The replica the single-report checks use (started in beforeAll, after the build). */
  let single: Replica;

  beforeAll(async () => {
    const started = Date.now();
    const secret = existsSync(CA_BUNDLE) ? ['--secret', `id=extra_ca,src=${CA_BUNDLE}`] : [];
    // `--format docker`: the OCI format has no HEALTHCHECK, and podman would drop the Dockerfile's.
    const build = [
      'build',
      '--format',
      'docker',
      '--network',
      'host',
      ...secret,
      ...ulimitArgs(),
      '-t',
      IMAGE,
      '.',
    ];
    await podman(build, 14 * 60_000);
    console.log(`image built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    [s3, redis, frontend] = await Promise.all([
      startS3rver('reports'),
      startRedis(),
      startReactReportFrontend({ jwtSecret: JWT_SECRET }),
    ]);
    single = await startReplica(names[0]);
  });

  afterAll(async () => {
    await podman(['rm', '-f', '-t', '0', ...names]).catch(() => undefined);
    await Promise.all([s3?.stop(), redis?.stop(), frontend?.close()]);
  });

  async function startReplica(name: string, env: Record<string, string> = {}): Promise<Replica> {
    const port = await freePort();
    const settings: Record<string, string> = {
      PORT: String(port),
      HOST: '127.0.0.1',
      PDF_SERVICE_INTERNAL_TOKEN: INTERNAL_TOKEN,
      JWT_SECRET,
      ...s3Env(s3),
      AWS_REGION: 'us-east-1',
      FRONTEND_ORIGINS: frontend.origin,
      DEFAULT_FRONTEND_ORIGIN: frontend.origin,
      ...env,
    };
    const environment = Object.entries(settings).flatMap(([key, value]) => ['-e', `${key}=${value}`]);
    await podman(['run', '-d', '--name', name, '--network', 'host', ...ulimitArgs(), ...environment, IMAGE]);
    const base = `http://127.0.0.1:${port}`;
    const ready = await until(
      async () => (await fetch(`${base}/health/ready`)).ok,
      (ok) => ok,
      60_000,
    );
    if (!ready)
      throw new Error(`${name} not ready within 60 s:\n${await podman(['logs', '--tail', '20', name])}`);
    return { name, base };
  }

  async function internal(replica: Replica, path: string, body?: unknown): Promise<Response> {
    return fetch(`${replica.base}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'X-Service-Auth': `Bearer ${INTERNAL_TOKEN}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  }

  async function storedObject(key: string): Promise<Buffer | undefined> {
    const answer = await fetch(`${s3.endpoint}/${s3.bucket}/${key}`);
    return answer.ok ? Buffer.from(await answer.arrayBuffer()) : undefined;
  }

  it('is within its size budget (printed with its largest layers)', async () => {
    const bytes = Number(await podman(['image', 'inspect', IMAGE, '--format', '{{.Size}}']));
    const layers = await podman([
      'history',
      '--human',
      '--no-trunc',
      '--format',
      '{{.Size}}\t{{.CreatedBy}}',
      IMAGE,
    ]);
    const largest = layers
      .split('\n')
      .map((line) => line.split('\t'))
      .filter(([size]) => /MB|GB/.test(size ?? ''))
      .map(([size, step]) => `  ${size}\t${(step ?? '').replace(/\s+/g, ' ').slice(0, 110)}`);
    const megabytes = Math.round(bytes / 1e6);
    console.log(`image ${IMAGE}: ${megabytes} MB (budget ${SIZE_BUDGET_MB} MB)\n${largest.join('\n')}`);
    expect(megabytes).toBeLessThanOrEqual(SIZE_BUDGET_MB);
  });

  it('runs as uid 1000 under tini as PID 1, its HEALTHCHECK passes and /health answers 200', async () => {
    const replica = single;
    const table = await podman([
      'exec',
      replica.name,
      'sh',
      '-c',
      'for p in /proc/[0-9]*; do printf "%s %s %s\\n" "${p#/proc/}" "$(cat $p/comm)" "$(awk \'/^Uid:/ {print $2}\' $p/status)"; done 2>/dev/null',
    ]);
    const processes = table
      .split('\n')
      .map((line) => line.split(' '))
      .filter((fields) => fields.length === 3 && fields[2] !== '');
    expect(processes.find(([pid]) => pid === '1')?.[1]).toBe('tini');
    expect(processes.map(([, comm]) => comm)).toEqual(expect.arrayContaining(['node', 'chromium']));
    expect(processes.filter(([, , uid]) => uid !== '1000')).toEqual([]);
    // The build's CA secret was mounted for one step of the build stage: nothing of it reaches the image.
    const secretLeft = await podman([
      'exec',
      replica.name,
      'sh',
      '-c',
      'ls /run/secrets 2>/dev/null; printenv NODE_EXTRA_CA_CERTS || true',
    ]);
    expect(secretLeft).toBe('');
    const healthcheck = await podman([
      'image',
      'inspect',
      IMAGE,
      '--format',
      '{{json .Config.Healthcheck.Test}}',
    ]);
    expect(healthcheck).toContain('/health/live');
    await podman(['healthcheck', 'run', replica.name]);
    const health = await fetch(`${replica.base}/health`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { status: string }).status).toBe('ok');
  });

  it('stores a triggered student report whose Tamil text is text in an embedded Noto font', async () => {
    const answer = await internal(single, '/internal/trigger-generate-pdf', {
      testId: '5',
      classId: 'CLASS_CT',
      reportType: 'student',
      studentId: 'STU001',
    });
    expect(answer.status).toBe(202);
    const { s3Key } = (await answer.json()) as { s3Key: string };
    expect(s3Key).toBe('reports/CLASS_CT/Test_5/students/STU001.pdf');
    const pdf = await storedObject(s3Key);
    expect(pdf?.subarray(0, 5).toString()).toBe('%PDF-');
    expect(await pdfText(pdf!)).toContain('மாணவர் முன்னேற்ற அறிக்கை');
    const fonts = await popplerOn('pdffonts', pdf!);
    console.log(`pdffonts of ${s3Key}:\n${fonts}`);
    expect(fonts).toMatch(/NotoSansTamil\S*\s+.*\s+yes\s+yes\s+yes/);
  });

  it('shares a batch between two replicas through Redis; one killed mid-batch, every item ends stored', async () => {
    const fleet = { REDIS_URL: redis.url, RENDER_CONCURRENCY: '1', BATCH_STALL_MS: '5000' };
    const [first, second] = await Promise.all([startReplica(names[1], fleet), startReplica(names[2], fleet)]);
    const studentIds = Array.from({ length: 12 }, (_, index) => `FLEET${String(index).padStart(2, '0')}`);
    const created = await internal(first, '/internal/batches', {
      classId: 'CLASS_FLEET',
      testId: '6',
      studentIds,
      teacherIds: [],
      includeOverall: false,
    });
    expect(created.status).toBe(202);
    const { batchId } = (await created.json()) as { batchId: string };
    interface Status {
      succeeded: number;
      failed: number;
      pending: number;
      total: number;
      items: { s3Key: string; attempts: number }[];
    }
    const status = async (replica: Replica) =>
      (await (await internal(replica, `/internal/batches/${batchId}`)).json()) as Status;
    const storing = await until(
      () => status(second),
      (now) => now.succeeded >= 2,
      120_000,
    );
    expect(storing?.succeeded).toBeGreaterThanOrEqual(2);
    const before = await status(second);
    await podman(['kill', first.name]);
    const final = await until(
      () => status(second),
      (now) => now.pending === 0,
      240_000,
    );
    if (!final) throw new Error('the survivor never answered the batch status');
    const retried = final.items.filter((item) => item.attempts > 1).map((item) => item.s3Key);
    console.log(
      `batch of 12: ${before.succeeded} stored when ${first.name} was killed; in the end ` +
        `${final.succeeded} stored, ${final.failed} failed, ${final.pending} pending; rendered again: ${retried.join(', ')}`,
    );
    expect(before.pending).toBeGreaterThan(0);
    expect(final).toMatchObject({ total: 12, succeeded: 12, failed: 0, pending: 0 });
    for (const studentId of studentIds) {
      const pdf = await storedObject(`reports/CLASS_FLEET/Test_6/students/${studentId}.pdf`);
      expect(pdf?.subarray(0, 5).toString()).toBe('%PDF-');
    }
  });

  it('stops an idle replica with `podman stop -t 20` in a few seconds, exit code 0, no process left', async () => {
    const name = names[2];
    const hostPids = (await podman(['top', name, 'hpid', 'comm']))
      .split('\n')
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      .filter(([pid]) => /^\d+$/.test(pid ?? ''));
    expect(hostPids.map(([, comm]) => comm)).toEqual(expect.arrayContaining(['tini', 'node', 'chromium']));
    const started = Date.now();
    await podman(['stop', '-t', '20', name], 30_000);
    const seconds = (Date.now() - started) / 1000;
    const exitCode = await podman(['inspect', name, '--format', '{{.State.ExitCode}}']);
    const alive = hostPids.filter(([pid]) => existsSync(`/proc/${pid}`) && !isZombie(pid));
    console.log(
      `podman stop -t 20 ${name}: ${seconds.toFixed(1)} s, exit code ${exitCode}, ${hostPids.length} processes before, ${alive.length} after`,
    );
    expect(exitCode).toBe('0');
    expect(seconds).toBeLessThan(10);
    expect(alive).toEqual([]);
  });

  describe('the deployment examples', () => {
    const known = new Set<string>(ENVIRONMENT_VARIABLES.map((variable) => variable.name));

    function acceptedByTheService(env: Record<string, string>): void {
      const unknown = Object.keys(env).filter((name) => !known.has(name));
      expect(unknown).toEqual([]);
      // The image's own ENV lines, then the example's: what the service would read at startup.
      expect(() =>
        loadServiceConfig({ NODE_ENV: 'production', CHROME_PATH: '/usr/bin/chromium', PORT: '8080', ...env }),
      ).not.toThrow();
    }

    it('compose: a one-shot service creates the bucket and the replicas wait for it; every setting is known', () => {
      const compose = parse(readFileSync(join(ROOT, 'deploy/docker-compose.yml'), 'utf8')) as {
        services: Record<
          string,
          {
            environment?: Record<string, string>;
            depends_on?: unknown;
            command?: unknown;
            entrypoint?: unknown;
            restart?: string;
          }
        >;
      };
      const service = compose.services['pdf-service'];
      const dependsOn = service.depends_on as Record<string, { condition: string }>;
      const oneShot = Object.entries(dependsOn).filter(
        ([, dependency]) => dependency.condition === 'service_completed_successfully',
      );
      expect(oneShot.map(([name]) => name)).toEqual(['create-bucket']);
      const creator = JSON.stringify(compose.services['create-bucket']);
      expect(creator).toContain(`mb --ignore-existing local/${service.environment!.S3_BUCKET}`);
      acceptedByTheService(service.environment!);
    });

    it('kubernetes: every env name is known and the probes answer 200 on a running image', async () => {
      const documents = readFileSync(join(ROOT, 'deploy/kubernetes/pdf-service.yaml'), 'utf8')
        .split(/^---$/m)
        .map(
          (text) =>
            parse(text) as { kind: string; spec: { template: { spec: { containers: Container[] } } } },
        );
      interface Probe {
        httpGet: { path: string; port: number };
      }
      interface Container {
        env: { name: string; value: string }[];
        ports: { containerPort: number }[];
        readinessProbe: Probe;
        livenessProbe: Probe;
      }
      const deployment = documents.find((document) => document.kind === 'Deployment')!;
      const [container] = deployment.spec.template.spec.containers;
      const env = Object.fromEntries(container.env.map(({ name, value }) => [name, value]));
      // The secret the manifest reads with envFrom, with placeholder values.
      const secret = {
        PDF_SERVICE_INTERNAL_TOKEN: INTERNAL_TOKEN,
        JWT_SECRET,
        CALLBACK_SECRET: 'placeholder-callback-secret',
        AWS_ACCESS_KEY_ID: 'placeholder',
        AWS_SECRET_ACCESS_KEY: 'placeholder',
      };
      acceptedByTheService({ ...env, ...secret });
      const probes = [container.readinessProbe, container.livenessProbe];
      expect(probes.map((probe) => probe.httpGet.port)).toEqual([8080, 8080]);
      expect(container.ports[0].containerPort).toBe(8080);
      for (const probe of probes) {
        expect([probe.httpGet.path, (await fetch(`${single.base}${probe.httpGet.path}`)).status]).toEqual([
          probe.httpGet.path,
          200,
        ]);
      }
    });
  });
});

function isZombie(pid: string): boolean {
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch (error) {
    // Gone between the two looks: not a zombie, and not alive either.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
}
