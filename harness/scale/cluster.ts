// The "Running at scale" layout on 127.0.0.1: HAProxy (deploy/haproxy.cfg) in front of two frontend and two
// API replicas (`entrypoint.sh web|api`, compiled dist/, 2 workers each), one radosgw bucket, one redis-server,
// the services file served by the API. Every process is a child of this one and `stop()` ends them all.
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createS3Store } from '../../src/api/store/s3-store.js';
import { writeServicesFile } from '../../src/directory/services-file.js';
import { freePort } from '../ports.js';
import { type RunningRgw, startRgw } from '../rgw.js';
import {
  Child,
  childPids,
  isAlive,
  projectRoot,
  signalPid,
  sleep,
  tcpOpen,
  unixCommand,
  waitFor,
} from './processes.js';

const run = promisify(execFile);

export const HAPROXY = '/usr/sbin/haproxy';
export const HAPROXY_CONFIG = join(projectRoot, 'deploy', 'haproxy.cfg');
/**
 * HAProxy's `timeout server` is the replicas' deadline plus this, as in deploy/haproxy.cfg (35 s for the default
 * 30 s): the replica's own 504 answers first, and HAProxy only cuts a replica that stopped answering at all.
 */
export const HAPROXY_SERVER_MARGIN_SECONDS = 5;

export interface ClusterOptions {
  /**
   * HTTP_SERVE_TIMEOUT_SECONDS of every replica. Their watchdog kills a silent worker after half of it, at most
   * 5 s; HAProxy's server timeout is this plus HAPROXY_SERVER_MARGIN_SECONDS.
   */
  requestTimeoutSeconds: number;
  /** DOCUMENT_AUTHENTICATION_RATE_LIMIT. */
  rateLimit: number;
  workersPerReplica: number;
  /** Where the processes' logs go (kept after the run). */
  logDir?: string;
}

export type ReplicaKind = 'web' | 'api';

/** One `entrypoint.sh web|api`: a primary and its workers on one port. */
export class Replica {
  child: Child | undefined;
  constructor(
    readonly name: string,
    readonly kind: ReplicaKind,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly logDir: string,
  ) {}

  async start(timeoutMs = 90_000): Promise<void> {
    const child = new Child(
      this.name,
      'bash',
      [join(projectRoot, 'entrypoint.sh'), this.kind],
      this.env,
      this.logDir,
    );
    this.child = child;
    const started = child.nextLine((line) => line.includes('"event":"server_started"'), timeoutMs);
    const died = child.exited.then(() => {
      throw new Error(`${this.name} exited while starting; see ${this.logDir}/${this.name}.log`);
    });
    await Promise.race([started, died]);
  }

  get primaryPid(): number {
    return this.child?.pid ?? -1;
  }

  workerPids(): number[] {
    return this.child?.running ? childPids(this.primaryPid) : [];
  }

  /** kill -9 of the primary and every worker at once. */
  async kill9(): Promise<void> {
    const pids = [this.primaryPid, ...this.workerPids()];
    for (const pid of pids) signalPid(pid, 'SIGKILL');
    await this.child?.exited;
    await waitFor(`${this.name}'s workers to die`, () => !pids.some(isAlive), 10_000);
  }

  /** A rolling restart; resolves when the primary reports it finished. */
  async rollingRestart(timeoutMs = 90_000): Promise<void> {
    const child = this.child;
    if (!child) throw new Error(`${this.name} is not running`);
    const done = child.nextLine((line) => line.includes('"event":"rolling_restart_done"'), timeoutMs);
    child.signal('SIGHUP');
    await done;
  }

  async stop(): Promise<void> {
    const workers = this.workerPids();
    await this.child?.stop(15_000);
    // A worker left behind by a killed primary (kill -9 leaves none here, but be sure).
    for (const pid of workers) signalPid(pid, 'SIGKILL');
  }
}

/** redis-server on a fixed port without persistence, so a restart starts empty. */
export class RedisServer {
  private child: Child | undefined;
  constructor(
    readonly port: number,
    private readonly logDir: string,
  ) {}

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
    this.child = new Child('redis', 'redis-server', args, {}, this.logDir);
    await waitFor('redis-server to listen', () => tcpOpen(this.port), 20_000);
  }

  async stop(): Promise<void> {
    await this.child?.stop(5000);
    this.child = undefined;
  }
}

/** radosgw alone, inside the cluster scripts/start-rgw.sh made (its monitor and OSD keep running). */
export class Radosgw {
  constructor(
    readonly rgw: RunningRgw,
    private readonly port: number,
  ) {}

  private get conf(): string {
    return join(this.rgw.dir, 'ceph.conf');
  }

  private pid(): number | undefined {
    const file = join(this.rgw.dir, 'run', 'client.rgw.a.pid');
    if (!existsSync(file)) return undefined;
    const pid = Number(readFileSync(file, 'utf8').trim());
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmdline.includes(this.conf) ? pid : undefined;
    } catch {
      return undefined;
    }
  }

  async stopDaemon(): Promise<void> {
    const pid = this.pid();
    if (pid === undefined) return;
    signalPid(pid, 'SIGTERM');
    await waitFor('radosgw to exit', () => !isAlive(pid), 15_000).catch(() => signalPid(pid, 'SIGKILL'));
    await waitFor('radosgw to exit', () => !isAlive(pid), 5000);
  }

  async startDaemon(): Promise<void> {
    await run('radosgw', ['-c', this.conf, '-n', 'client.rgw.a'], { timeout: 30_000 });
    await waitFor('radosgw to answer', () => this.answers(), 60_000);
  }

  private async answers(): Promise<boolean> {
    const response = await fetch(`http://127.0.0.1:${this.port}/`, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status === 200;
  }
}

export interface ServerState {
  backend: string;
  server: string;
  status: string;
}

export class Cluster {
  readonly web: Replica[] = [];
  readonly api: Replica[] = [];
  haproxy: Child | undefined;
  redis!: RedisServer;
  radosgw!: Radosgw;
  private rgw: RunningRgw | undefined;

  readonly serviceId = randomUUID();
  readonly authToken = `scale-token-${randomUUID()}`;
  readonly logDir: string;
  private readonly dataDir: string;
  recipientsPort = 0;
  apiPort = 0;

  constructor(readonly options: ClusterOptions) {
    this.dataDir = mkdtempSync(join(tmpdir(), 'dd-scale-'));
    this.logDir = options.logDir ?? join(this.dataDir, 'logs');
    mkdirSync(this.logDir, { recursive: true });
  }

  get frontendUrl(): string {
    return `http://127.0.0.1:${this.recipientsPort}`;
  }

  get apiUrl(): string {
    return `http://127.0.0.1:${this.apiPort}`;
  }

  get statsSocket(): string {
    return join(this.dataDir, 'haproxy.sock');
  }

  get replicas(): Replica[] {
    return [...this.web, ...this.api];
  }

  async start(): Promise<void> {
    const [rgw, redisPort, recipientsPort, apiPort, ...replicaPorts] = await Promise.all([
      startRgw(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
      freePort(),
    ]);
    this.rgw = rgw;
    this.radosgw = new Radosgw(rgw, Number(new URL(rgw.endpoint).port));
    this.recipientsPort = recipientsPort;
    this.apiPort = apiPort;
    this.redis = new RedisServer(redisPort, this.logDir);
    await this.redis.start();

    const bucket = `scale-${randomUUID()}`;
    const store = createS3Store({
      bucket,
      endpoint: rgw.endpoint,
      region: rgw.region,
      credentials: { accessKeyId: rgw.accessKeyId, secretAccessKey: rgw.secretAccessKey },
    });
    await store.ensureBucket();

    const servicesFile = join(this.dataDir, 'services.json');
    writeServicesFile(servicesFile, [
      { id: this.serviceId, name: 'Office of Scale Tests', contact_link: 'help@scale.example.gov.uk' },
    ]);
    const adminSecret = `admin-${randomUUID()}`;
    const common = {
      NOTIFY_ENVIRONMENT: 'production',
      HOST: '127.0.0.1',
      WEB_CONCURRENCY: String(this.options.workersPerReplica),
      HTTP_SERVE_TIMEOUT_SECONDS: String(this.options.requestTimeoutSeconds),
      LOG_LEVEL: 'info',
    };
    const apiEnv = {
      ...common,
      AUTH_TOKENS: this.authToken,
      SECRET_KEY: `api-secret-${randomUUID()}`,
      FRONTEND_HOSTNAME: `127.0.0.1:${recipientsPort}`,
      DOCUMENT_DOWNLOAD_API_HOSTNAME: `127.0.0.1:${apiPort}`,
      HTTP_SCHEME: 'http',
      ANTIVIRUS_ENABLED: 'false',
      REDIS_ENABLED: 'true',
      REDIS_URL: this.redis.url,
      DOCUMENT_STORE: 's3',
      DOCUMENTS_BUCKET: bucket,
      AWS_ENDPOINT_URL_S3: rgw.endpoint,
      AWS_REGION: rgw.region,
      AWS_ACCESS_KEY_ID: rgw.accessKeyId,
      AWS_SECRET_ACCESS_KEY: rgw.secretAccessKey,
      DOCUMENT_AUTHENTICATION_RATE_LIMIT: String(this.options.rateLimit),
      SERVICES_FILE: servicesFile,
      ADMIN_CLIENT_SECRET: adminSecret,
      DATA_DIR: join(this.dataDir, 'api-data'),
    };
    const webEnv = {
      ...common,
      API_HOST_NAME: this.apiUrl,
      ADMIN_CLIENT_SECRET: adminSecret,
      DOCUMENT_DOWNLOAD_API_HOST_NAME: this.apiUrl,
      DOCUMENT_DOWNLOAD_API_HOST_NAME_INTERNAL: this.apiUrl,
      SECRET_KEY: `web-secret-${randomUUID()}`,
      ACCESSIBILITY_OPERATOR_NAME: 'Document Download scale tests',
      ACCESSIBILITY_CONTACT_EMAIL: 'accessibility@example.gov.uk',
      ACCESSIBILITY_STATEMENT_PREPARED_ON: '2026-12-01',
      HTTP_PROTOCOL: 'http',
    };
    const [web1, web2, api1, api2] = replicaPorts as [number, number, number, number];
    this.web.push(
      new Replica('web1', 'web', web1, { ...webEnv, PORT: String(web1) }, this.logDir),
      new Replica('web2', 'web', web2, { ...webEnv, PORT: String(web2) }, this.logDir),
    );
    this.api.push(
      new Replica('api1', 'api', api1, { ...apiEnv, PORT: String(api1) }, this.logDir),
      new Replica('api2', 'api', api2, { ...apiEnv, PORT: String(api2) }, this.logDir),
    );
    // One at a time: four Node primaries loading at once on a busy 2-core machine only slows each of them.
    for (const replica of this.replicas) await replica.start();

    this.haproxy = new Child(
      'haproxy',
      HAPROXY,
      ['-db', '-f', HAPROXY_CONFIG],
      {
        RECIPIENTS_BIND: `127.0.0.1:${recipientsPort}`,
        API_BIND: `127.0.0.1:${apiPort}`,
        WEB1_ADDR: `127.0.0.1:${web1}`,
        WEB2_ADDR: `127.0.0.1:${web2}`,
        API1_ADDR: `127.0.0.1:${api1}`,
        API2_ADDR: `127.0.0.1:${api2}`,
        HAPROXY_SERVER_TIMEOUT: `${this.options.requestTimeoutSeconds + HAPROXY_SERVER_MARGIN_SECONDS}s`,
        HAPROXY_STATS_SOCKET: this.statsSocket,
        HAPROXY_TAG_REPLICA: '1',
      },
      this.logDir,
    );
    await this.waitAllUp(30_000);
  }

  /** Every server's state as HAProxy's health checks see it. */
  async serverStates(): Promise<ServerState[]> {
    const csv = await unixCommand(this.statsSocket, 'show stat');
    const [header, ...rows] = csv.trim().split('\n');
    const columns = (header ?? '').replace(/^# /, '').split(',');
    const at = (name: string) => columns.indexOf(name);
    return rows
      .map((row) => row.split(','))
      .filter((cells) => cells[at('svname')] !== 'FRONTEND' && cells[at('svname')] !== 'BACKEND')
      .map((cells) => ({
        backend: cells[at('pxname')] ?? '',
        server: cells[at('svname')] ?? '',
        status: cells[at('status')] ?? '',
      }));
  }

  async serverStatus(name: string): Promise<string> {
    return (await this.serverStates()).find((state) => state.server === name)?.status ?? 'unknown';
  }

  async waitServerStatus(name: string, prefix: 'UP' | 'DOWN', timeoutMs: number): Promise<void> {
    await waitFor(
      `HAProxy to see ${name} ${prefix}`,
      async () => (await this.serverStatus(name)).startsWith(prefix),
      timeoutMs,
    );
  }

  async waitAllUp(timeoutMs: number): Promise<void> {
    await waitFor(
      'HAProxy to see every replica UP',
      async () => {
        const states = await this.serverStates();
        return states.length === 4 && states.every((state) => state.status === 'UP');
      },
      timeoutMs,
    );
  }

  async stop(): Promise<void> {
    await this.haproxy?.stop(5000);
    await Promise.all(this.replicas.map((replica) => replica.stop()));
    await this.redis?.stop();
    await this.rgw?.stop();
    await sleep(0);
  }
}
