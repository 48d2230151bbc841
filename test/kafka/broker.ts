/**
 * Test-only helper: ONE Apache Kafka 4.x broker in KRaft mode (combined
 * broker+controller, node.id=1) on 127.0.0.1, run straight from Kafka's own jars.
 *
 * The jars are resolved by Maven from test/kafka/pom.xml into the git-ignored
 * `.cache/kafka/libs` (local Maven repo `.cache/m2`); everything else the broker
 * needs (server.properties, log4j2 config, data, pid file, broker.log) lives under
 * the state dir, `.cache/kafka` by default.
 *
 *   npx tsx test/kafka/broker.ts up [--port 9092] [--dir .cache/kafka]
 *   npx tsx test/kafka/broker.ts status
 *   npx tsx test/kafka/broker.ts down
 *
 * `down` then `up` keeps the data dir: storage is formatted (random cluster id)
 * only while `<dir>/data/meta.properties` is missing, so a restarted broker comes
 * back with the same cluster id, topics, records and committed offsets.
 *
 * Node built-ins only, plus kafkajs (a dependency of the package) loaded lazily
 * for the readiness probe.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  readSync,
} from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface KafkaUpOptions {
  /** PLAINTEXT port; the CONTROLLER listener uses port + 1. Default 9092. */
  port?: number;
  /** State dir (server.properties, data/, broker.pid, broker.log). Default <repo>/.cache/kafka. */
  dir?: string;
}

export interface KafkaDownOptions {
  /** State dir given to kafkaUp, if not the default. */
  dir?: string;
}

const HERE = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(HERE, '..', '..');
const POM = join(HERE, 'pom.xml');
const DEFAULT_DIR = join(REPO, '.cache', 'kafka');
/** Jars are shared by every state dir. */
const LIBS = join(DEFAULT_DIR, 'libs');
const LIBS_STAMP = join(DEFAULT_DIR, 'libs.pom.sha256');
const M2 = join(REPO, '.cache', 'm2');

const HOST = '127.0.0.1';
const DEFAULT_PORT = 9092;
const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 20_000;

/** The state dir used by the last kafkaUp in this process, so kafkaDown() finds it. */
let lastDir: string | undefined;

interface Paths {
  dir: string;
  data: string;
  props: string;
  log4j: string;
  pid: string;
  log: string;
}

function paths(dir?: string): Paths {
  const d = resolve(dir ?? lastDir ?? DEFAULT_DIR);
  return {
    dir: d,
    data: join(d, 'data'),
    props: join(d, 'server.properties'),
    log4j: join(d, 'log4j2.properties'),
    pid: join(d, 'broker.pid'),
    log: join(d, 'broker.log'),
  };
}

function say(msg: string): void {
  process.stderr.write(`[kafka] ${msg}\n`);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function javaBin(): string {
  const home = process.env.JAVA_HOME;
  return home && existsSync(join(home, 'bin', 'java')) ? join(home, 'bin', 'java') : 'java';
}

// ---------------------------------------------------------------- jars

function pomHash(): string {
  return createHash('sha256').update(readFileSync(POM)).digest('hex');
}

function libsReady(): boolean {
  if (!existsSync(LIBS)) return false;
  if (!readdirSync(LIBS).some((f) => /^kafka_2\.13-.*\.jar$/.test(f))) return false;
  // Re-resolve when test/kafka/pom.xml changed (e.g. a version bump).
  return existsSync(LIBS_STAMP) && readFileSync(LIBS_STAMP, 'utf8').trim() === pomHash();
}

/** Resolve the broker's jars into .cache/kafka/libs with Maven, if not there yet. */
export function ensureJars(): void {
  if (libsReady()) return;
  const tmp = `${LIBS}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(dirname(LIBS), { recursive: true });
  const t0 = Date.now();
  say(`resolving Kafka jars with Maven into ${LIBS} ...`);
  const r = spawnSync(
    'mvn',
    [
      '-q',
      '-B',
      '-f',
      POM,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${tmp}`,
      `-Dmaven.repo.local=${M2}`,
      '-DincludeScope=runtime',
    ],
    { cwd: REPO, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.error || r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    const out = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-30).join('\n');
    throw new Error(
      `Maven could not resolve the Kafka jars (${r.error?.message ?? `exit ${r.status}`}):\n${out}`,
    );
  }
  rmSync(LIBS, { recursive: true, force: true });
  renameSync(tmp, LIBS);
  writeFileSync(LIBS_STAMP, `${pomHash()}\n`);
  say(`jars resolved in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------- config

function serverProperties(p: Paths, port: number): string {
  const cport = port + 1;
  return [
    '# Written by test/kafka/broker.ts; rewritten on every `up`.',
    'process.roles=broker,controller',
    'node.id=1',
    // Static single-voter quorum (kraft.version 0), still supported by Kafka 4.x.
    // Unlike a dynamic quorum (--standalone + controller.quorum.bootstrap.servers)
    // it stores no controller endpoint in the metadata log, so the ports may change
    // between restarts of the same data dir.
    `controller.quorum.voters=1@${HOST}:${cport}`,
    `listeners=PLAINTEXT://${HOST}:${port},CONTROLLER://${HOST}:${cport}`,
    `advertised.listeners=PLAINTEXT://${HOST}:${port}`,
    'inter.broker.listener.name=PLAINTEXT',
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${p.data}`,
    'num.partitions=1',
    'auto.create.topics.enable=true',
    'offsets.topic.replication.factor=1',
    // One partition instead of 50: the first consumer group comes up much faster.
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    'num.network.threads=2',
    'num.io.threads=4',
    'num.recovery.threads.per.data.dir=1',
    '',
  ].join('\n');
}

const LOG4J2 = `# Written by test/kafka/broker.ts: everything to stdout, which goes to broker.log.
status = warn
appender.stdout.type = Console
appender.stdout.name = STDOUT
appender.stdout.layout.type = PatternLayout
appender.stdout.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.stdout.ref = STDOUT
logger.request.name = kafka.request.logger
logger.request.level = WARN
logger.statechange.name = state.change.logger
logger.statechange.level = WARN
logger.authorizer.name = kafka.authorizer.logger
logger.authorizer.level = WARN
# The full config dumps (thousands of lines per start) only at WARN.
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = WARN
`;

/** A Kafka Uuid as its tools print it: 16 random bytes, base64url, no padding, no leading '-'. */
function randomClusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

function readClusterId(p: Paths): string | undefined {
  const meta = join(p.data, 'meta.properties');
  if (!existsSync(meta)) return undefined;
  return /^cluster\.id=(.*)$/m.exec(readFileSync(meta, 'utf8'))?.[1]?.trim();
}

function formatStorage(p: Paths): string {
  const existing = readClusterId(p);
  if (existing) return existing;
  const clusterId = randomClusterId();
  mkdirSync(p.data, { recursive: true });
  const r = spawnSync(
    javaBin(),
    [
      '-Xmx256m',
      `-Dlog4j2.configurationFile=${p.log4j}`,
      '-cp',
      join(LIBS, '*'),
      'kafka.tools.StorageTool',
      'format',
      '--cluster-id',
      clusterId,
      '--config',
      p.props,
    ],
    { cwd: p.dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (r.error || r.status !== 0) {
    throw new Error(
      `kafka-storage format failed (${r.error?.message ?? `exit ${r.status}`}):\n${r.stdout}${r.stderr}`,
    );
  }
  return clusterId;
}

// ---------------------------------------------------------------- process

function readPid(p: Paths): number | undefined {
  if (!existsSync(p.pid)) return undefined;
  const pid = Number.parseInt(readFileSync(p.pid, 'utf8').trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    // A zombie (exited, not yet reaped) still answers kill(0).
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** Is pid a live kafka.Kafka of this state dir (guards against pid reuse)? */
function isOurBroker(pid: number, p: Paths): boolean {
  if (!isAlive(pid)) return false;
  try {
    const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return cmd.includes('kafka.Kafka') && cmd.includes(p.props);
  } catch {
    return true; // no /proc: trust the pid file
  }
}

function livePid(p: Paths): number | undefined {
  const pid = readPid(p);
  if (pid === undefined) return undefined;
  if (isOurBroker(pid, p)) return pid;
  rmSync(p.pid, { force: true }); // stale
  return undefined;
}

function configuredPort(p: Paths): number | undefined {
  if (!existsSync(p.props)) return undefined;
  const m = /^listeners=PLAINTEXT:\/\/[^:]+:(\d+)/m.exec(readFileSync(p.props, 'utf8'));
  return m ? Number(m[1]) : undefined;
}

function logTail(p: Paths, lines = 40): string {
  if (!existsSync(p.log)) return '(no broker.log)';
  const size = statSync(p.log).size;
  const len = Math.min(size, 64 * 1024);
  const buf = Buffer.alloc(len);
  const fd = openSync(p.log, 'r');
  try {
    readSync(fd, buf, 0, len, size - len);
  } finally {
    closeSync(fd);
  }
  return buf.toString('utf8').split('\n').slice(-lines).join('\n');
}

function portOpen(port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((res) => {
    const s = createConnection({ host: HOST, port });
    const done = (ok: boolean) => {
      s.removeAllListeners();
      s.destroy();
      res(ok);
    };
    s.setTimeout(timeoutMs, () => done(false));
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}

/** Really ready: metadata answers and lists this broker (kafkajs, lazily loaded). */
async function probe(port: number): Promise<string | undefined> {
  const { Kafka, logLevel } = await import('kafkajs');
  const kafka = new Kafka({
    clientId: 'rxtrain-kafka-probe',
    brokers: [`${HOST}:${port}`],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 2000,
    requestTimeout: 5000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.listTopics();
    const cluster = await admin.describeCluster();
    if (cluster.brokers.length === 0 || cluster.controller == null) return 'no broker registered yet';
    return undefined;
  } catch (e) {
    return (e as Error).message;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

async function waitReady(p: Paths, pid: number, port: number, t0: number): Promise<void> {
  let last = 'port not open yet';
  while (Date.now() - t0 < READY_TIMEOUT_MS) {
    if (!isAlive(pid)) {
      rmSync(p.pid, { force: true });
      throw new Error(`Kafka broker (pid ${pid}) exited during startup. Tail of ${p.log}:\n${logTail(p)}`);
    }
    if (await portOpen(port)) {
      const err = await probe(port);
      if (err === undefined) return;
      last = err;
    }
    await sleep(250);
  }
  const tail = logTail(p);
  await stopPid(pid).catch(() => {});
  rmSync(p.pid, { force: true });
  throw new Error(
    `Kafka broker (pid ${pid}) not ready on ${HOST}:${port} after ${READY_TIMEOUT_MS / 1000} s ` +
      `(last probe: ${last}); it was stopped. Tail of ${p.log}:\n${tail}`,
  );
}

async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  const t0 = Date.now();
  while (isAlive(pid)) {
    if (Date.now() - t0 > STOP_TIMEOUT_MS) {
      say(`pid ${pid} still alive after ${STOP_TIMEOUT_MS / 1000} s, SIGKILL`);
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      while (isAlive(pid) && Date.now() - t0 < STOP_TIMEOUT_MS + 5000) await sleep(100);
      return;
    }
    await sleep(100);
  }
}

// ---------------------------------------------------------------- API

/**
 * Start the broker (or reuse the one from the pid file if it is up and answering)
 * and resolve once it serves metadata. Returns its bootstrap address.
 */
export async function kafkaUp(opts: KafkaUpOptions = {}): Promise<{ brokers: string[] }> {
  const port = opts.port ?? DEFAULT_PORT;
  const p = paths(opts.dir);
  lastDir = p.dir;
  const brokers = [`${HOST}:${port}`];
  const t0 = Date.now();

  const running = livePid(p);
  if (running !== undefined) {
    const was = configuredPort(p);
    if (was !== undefined && was !== port) {
      throw new Error(
        `A Kafka broker (pid ${running}) from ${p.dir} already runs on port ${was}, not ${port}; run kafkaDown() first.`,
      );
    }
    await waitReady(p, running, port, t0);
    return { brokers };
  }

  if (await portOpen(port)) {
    throw new Error(`${HOST}:${port} is already taken by a process that is not the broker of ${p.dir}.`);
  }
  if (await portOpen(port + 1)) {
    throw new Error(`${HOST}:${port + 1} (controller port) is already taken.`);
  }

  ensureJars();
  mkdirSync(p.data, { recursive: true });
  writeFileSync(p.props, serverProperties(p, port));
  writeFileSync(p.log4j, LOG4J2);
  const clusterId = formatStorage(p);

  const heap = process.env.KAFKA_HEAP_OPTS ?? '-Xms256m -Xmx512m';
  const args = [
    ...heap.split(/\s+/).filter(Boolean),
    '-XX:+UseG1GC',
    '-XX:MaxGCPauseMillis=20',
    '-Djava.awt.headless=true',
    `-Dlog4j2.configurationFile=${p.log4j}`,
    // Extra JVM options, as Kafka's own scripts take them.
    ...(process.env.KAFKA_OPTS ?? '').split(/\s+/).filter(Boolean),
    '-cp',
    join(LIBS, '*'),
    'kafka.Kafka',
    p.props,
  ];
  const logFd = openSync(p.log, 'a');
  writeFileSync(logFd, `\n===== ${new Date().toISOString()} test/kafka/broker.ts up: port ${port}, cluster ${clusterId}\n`);
  let child;
  try {
    child = spawn(javaBin(), args, { cwd: p.dir, detached: true, stdio: ['ignore', logFd, logFd] });
  } finally {
    closeSync(logFd);
  }
  const pid = child.pid;
  if (pid === undefined) {
    throw new Error(`could not start ${javaBin()}: is Java 17+ installed?`);
  }
  child.on('error', () => {});
  child.unref();
  writeFileSync(p.pid, `${pid}\n`);

  await waitReady(p, pid, port, t0);
  say(`broker pid ${pid} ready on ${brokers[0]} in ${((Date.now() - t0) / 1000).toFixed(1)} s (cluster ${clusterId})`);
  return { brokers };
}

/** Stop the broker from the pid file: SIGTERM, SIGKILL after 20 s. Keeps the data dir. */
export async function kafkaDown(opts: KafkaDownOptions = {}): Promise<void> {
  const p = paths(opts.dir);
  const pid = livePid(p);
  if (pid !== undefined) {
    const t0 = Date.now();
    await stopPid(pid);
    say(`broker pid ${pid} stopped in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  rmSync(p.pid, { force: true });
}

export interface KafkaStatus {
  running: boolean;
  ready: boolean;
  pid?: number;
  brokers?: string[];
  clusterId?: string;
  dir: string;
}

export async function kafkaStatus(opts: KafkaDownOptions = {}): Promise<KafkaStatus> {
  const p = paths(opts.dir);
  const pid = livePid(p);
  const port = configuredPort(p);
  const clusterId = readClusterId(p);
  if (pid === undefined || port === undefined) {
    return { running: false, ready: false, dir: p.dir, ...(clusterId ? { clusterId } : {}) };
  }
  const ready = (await portOpen(port)) && (await probe(port)) === undefined;
  return { running: true, ready, pid, brokers: [`${HOST}:${port}`], dir: p.dir, ...(clusterId ? { clusterId } : {}) };
}

// ---------------------------------------------------------------- CLI

function isMain(): boolean {
  const arg = process.argv[1];
  if (!arg) return false;
  try {
    return import.meta.url === pathToFileURL(realpathSync(arg)).href;
  } catch {
    return false;
  }
}

async function cli(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  const opt = (name: string): string | undefined => {
    const i = rest.indexOf(`--${name}`);
    return i >= 0 ? rest[i + 1] : process.env[`KAFKA_${name.toUpperCase()}`];
  };
  const portArg = opt('port');
  const dir = opt('dir');
  const port = portArg !== undefined ? Number(portArg) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65535)) {
    console.error(`bad port: ${portArg}`);
    return 2;
  }
  switch (cmd) {
    case 'up': {
      const r = await kafkaUp({ port, dir });
      console.log(r.brokers.join(','));
      return 0;
    }
    case 'down':
      await kafkaDown({ dir });
      return 0;
    case 'status': {
      const s = await kafkaStatus({ dir });
      console.log(JSON.stringify(s, null, 2));
      return s.ready ? 0 : 1;
    }
    default:
      console.error('usage: npx tsx test/kafka/broker.ts up|down|status [--port 9092] [--dir .cache/kafka]');
      return 2;
  }
}

if (isMain()) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
