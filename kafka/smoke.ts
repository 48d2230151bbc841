/**
 * Smoke test of kafkajs (node_modules) against the Kafka 4.x broker of kafka/broker.ts.
 *
 *   npx tsx kafka/smoke.ts [--restart] [--keep]
 *
 * 1. Raw ApiVersions (v0, hand-built, Node built-ins) against the broker, compared
 *    with the versions kafkajs implements: which version kafkajs will pick for each
 *    API and whether that is below the broker's minimum (KIP-896 removed old ones).
 * 2. admin createTopics / describeCluster / metadata / describeConfigs / listOffsets,
 *    idempotent producer: 1000 messages, plain gzip producer, transactional producer,
 *    consumer group reading all 1000 back, committed offsets, describe/list groups,
 *    deleteTopics.
 * 3. With --restart: kafkaDown, 10 s pause, kafkaUp on the same data dir, and check
 *    cluster id, records and the group's committed offsets survived.
 * Stops the broker at the end unless --keep. Exit code 1 if any check failed.
 */
import { createConnection } from 'node:net';
import { createRequire } from 'node:module';
import { Kafka, logLevel, CompressionTypes, Partitioners, type LogEntry } from 'kafkajs';
import { kafkaDown, kafkaStatus, kafkaUp } from './broker.js';

const N = 1000;
const restart = process.argv.includes('--restart');
const keep = process.argv.includes('--keep');

const results: { name: string; ok: boolean; ms: number; detail: string }[] = [];
async function step<T>(name: string, fn: () => Promise<T>): Promise<T | undefined> {
  const t0 = Date.now();
  try {
    const v = await fn();
    const detail = typeof v === 'string' ? v : '';
    results.push({ name, ok: true, ms: Date.now() - t0, detail });
    console.log(`PASS ${name} (${Date.now() - t0} ms)${detail ? ` ${detail}` : ''}`);
    return v;
  } catch (e) {
    const err = e as Error & { type?: string; name: string };
    const detail = `${err.name}${err.type ? `/${err.type}` : ''}: ${err.message}`;
    results.push({ name, ok: false, ms: Date.now() - t0, detail });
    console.log(`FAIL ${name} (${Date.now() - t0} ms) ${detail}`);
    return undefined;
  }
}
function check(cond: boolean, msg: string): void {
  if (!cond) throw new Error(msg);
}
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- ApiVersions, by hand

const API_NAMES: Record<number, string> = {};
function apiVersionsRaw(host: string, port: number): Promise<Map<number, [number, number]>> {
  return new Promise((resolve, reject) => {
    const clientId = Buffer.from('smoke');
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
    body.writeInt16BE(18, 0); // ApiVersions
    body.writeInt16BE(0, 2); // v0
    body.writeInt32BE(1, 4); // correlation id
    body.writeInt16BE(clientId.length, 8);
    clientId.copy(body, 10);
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length);
    const s = createConnection({ host, port }, () => s.write(Buffer.concat([size, body])));
    let buf = Buffer.alloc(0);
    s.setTimeout(5000, () => reject(new Error('ApiVersions timeout')));
    s.on('error', reject);
    s.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4 || buf.length < 4 + buf.readInt32BE(0)) return;
      s.destroy();
      let o = 4 + 4; // size, correlation id
      const errorCode = buf.readInt16BE(o);
      o += 2;
      if (errorCode !== 0) return reject(new Error(`ApiVersions error ${errorCode}`));
      const n = buf.readInt32BE(o);
      o += 4;
      const m = new Map<number, [number, number]>();
      for (let i = 0; i < n; i++, o += 6) m.set(buf.readInt16BE(o), [buf.readInt16BE(o + 2), buf.readInt16BE(o + 4)]);
      resolve(m);
    });
  });
}

function kafkajsVersions(): Map<number, { name: string; versions: number[] }> {
  const require = createRequire(import.meta.url);
  const apiKeys = require('kafkajs/src/protocol/requests/apiKeys.js') as Record<string, number>;
  const { requests } = require('kafkajs/src/protocol/requests/index.js') as {
    requests: Record<string, { versions: string[] }>;
  };
  const m = new Map<number, { name: string; versions: number[] }>();
  for (const [name, key] of Object.entries(apiKeys)) {
    API_NAMES[key] = name;
    const def = requests[name];
    if (def && def.versions.length) m.set(key, { name, versions: def.versions.map(Number) });
  }
  return m;
}

// ---------------------------------------------------------------- main

async function main(): Promise<number> {
  const tUp = Date.now();
  const { brokers } = await kafkaUp();
  console.log(`broker ${brokers.join(',')} up in ${Date.now() - tUp} ms`);
  const [host, portS] = brokers[0]!.split(':');
  const port = Number(portS);

  await step('ApiVersions: kafkajs vs broker', async () => {
    const broker = await apiVersionsRaw(host!, port);
    const mine = kafkajsVersions();
    const rows: string[] = [];
    const bad: string[] = [];
    for (const [key, { name, versions }] of [...mine].sort((a, b) => a[0] - b[0])) {
      const range = broker.get(key);
      const kmax = Math.max(...versions);
      if (!range) {
        rows.push(`  ${name.padEnd(28)} kafkajs v${Math.min(...versions)}-${kmax}  broker: not offered`);
        continue;
      }
      const pick = Math.min(kmax, range[1]);
      const ok = pick >= range[0];
      if (!ok) bad.push(`${name} (kafkajs max v${kmax} < broker min v${range[0]})`);
      rows.push(
        `  ${name.padEnd(28)} kafkajs v${Math.min(...versions)}-${kmax}  broker v${range[0]}-${range[1]}  -> v${pick}${ok ? '' : '  UNSUPPORTED'}`,
      );
    }
    console.log(rows.join('\n'));
    return bad.length ? `below broker minimum: ${bad.join(', ')}` : 'every kafkajs API negotiates a version the broker accepts';
  });

  const warnings: string[] = [];
  const kafka = new Kafka({
    clientId: 'rxtrain-smoke',
    brokers,
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ namespace, level, log }: LogEntry) => {
        const { message, error } = log as { message: string; error?: string };
        const lvl = Object.entries(logLevel).find(([, v]) => v === level)?.[0] ?? level;
        const line = `${lvl} ${namespace}: ${message}${error ? ` (${error})` : ''}`;
        warnings.push(line);
      },
  });
  const admin = kafka.admin();
  const topic = `smoke-${Date.now()}`;
  const groupId = `smoke-group-${Date.now()}`;

  await step('admin connect + describeCluster', async () => {
    await admin.connect();
    const c = await admin.describeCluster();
    check(c.brokers.length === 1, `brokers: ${JSON.stringify(c.brokers)}`);
    return `clusterId=${c.clusterId} controller=${c.controller}`;
  });
  await step('admin createTopics (3 partitions)', async () => {
    const created = await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    check(created, 'createTopics returned false');
    const md = await admin.fetchTopicMetadata({ topics: [topic] });
    check(md.topics[0]!.partitions.length === 3, 'not 3 partitions');
    return topic;
  });
  await step('admin describeConfigs', async () => {
    const r = await admin.describeConfigs({
      resources: [{ type: 2 /* TOPIC */, name: topic }],
      includeSynonyms: false,
    });
    const n = r.resources[0]!.configEntries.length;
    check(n > 0, 'no config entries');
    return `${n} topic config entries`;
  });

  await step(`idempotent producer: ${N} messages (acks=-1)`, async () => {
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      for (let b = 0; b < 10; b++) {
        const messages = Array.from({ length: N / 10 }, (_, j) => {
          const i = b * (N / 10) + j;
          return { key: `k${i % 17}`, value: `m${i}` };
        });
        await producer.send({ topic, acks: -1, messages });
      }
    } finally {
      await producer.disconnect();
    }
  });
  await step('admin fetchTopicOffsets (ListOffsets)', async () => {
    const offs = await admin.fetchTopicOffsets(topic);
    const total = offs.reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
    check(total === N, `high-low sums to ${total}, expected ${N}`);
    return offs.map((o) => `p${o.partition}:${o.low}-${o.high}`).join(' ');
  });

  const plainTopic = `${topic}-plain`;
  await step('plain producer, gzip, auto-created topic (100 messages)', async () => {
    const producer = kafka.producer({ allowAutoTopicCreation: true, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      let sent = 0;
      for (let tries = 0; sent === 0 && tries < 20; tries++) {
        try {
          await producer.send({
            topic: plainTopic,
            compression: CompressionTypes.GZIP,
            acks: 1,
            messages: Array.from({ length: 100 }, (_, i) => ({ value: `g${i}` })),
          });
          sent = 100;
        } catch (e) {
          if (tries === 19) throw e;
          await sleep(250); // leader of an auto-created topic not known yet
        }
      }
    } finally {
      await producer.disconnect();
    }
    const offs = await admin.fetchTopicOffsets(plainTopic);
    check(offs.reduce((s, o) => s + Number(o.high), 0) === 100, 'not 100 records');
  });

  const txTopic = `${topic}-tx`;
  await step('transactional producer (InitProducerId/AddPartitionsToTxn/EndTxn)', async () => {
    await admin.createTopics({ topics: [{ topic: txTopic, numPartitions: 1 }], waitForLeaders: true });
    const producer = kafka.producer({
      transactionalId: `smoke-tx-${Date.now()}`,
      idempotent: true,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    try {
      const tx = await producer.transaction();
      await tx.send({ topic: txTopic, messages: Array.from({ length: 10 }, (_, i) => ({ value: `t${i}` })) });
      await tx.commit();
      const aborted = await producer.transaction();
      await aborted.send({ topic: txTopic, messages: [{ value: 'aborted' }] });
      await aborted.abort();
    } finally {
      await producer.disconnect();
    }
    // Read committed: 10 values, the aborted one is skipped.
    const consumer = kafka.consumer({ groupId: `${groupId}-tx`, readUncommitted: false });
    await consumer.connect();
    const seen: string[] = [];
    try {
      await consumer.subscribe({ topics: [txTopic], fromBeginning: true });
      await consumer.run({ eachMessage: async ({ message }) => void seen.push(message.value!.toString()) });
      const t0 = Date.now();
      while (seen.length < 10 && Date.now() - t0 < 30_000) await sleep(100);
      await sleep(500);
    } finally {
      await consumer.disconnect();
    }
    check(seen.length === 10 && !seen.includes('aborted'), `read_committed saw ${JSON.stringify(seen)}`);
    return 'commit + abort, read_committed saw the 10 committed only';
  });

  let firstMs = 0; // connect() .. first message
  let readMs = 0; // connect() .. last expected message
  let disconnectMs = 0;
  async function consumeAll(gid: string, expect: number): Promise<Set<string>> {
    const consumer = kafka.consumer({ groupId: gid, sessionTimeout: 10_000, heartbeatInterval: 1000 });
    const tc = Date.now();
    await consumer.connect();
    const seen = new Set<string>();
    let dup = 0;
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          if (seen.size === 0) firstMs = Date.now() - tc;
          const v = message.value!.toString();
          if (seen.has(v)) dup++;
          seen.add(v);
        },
      });
      const t0 = Date.now();
      while (seen.size < expect && Date.now() - t0 < 60_000) await sleep(50);
      readMs = Date.now() - tc;
      await sleep(1000); // let the last offsets commit (autoCommitInterval default 5 s, commit on stop)
    } finally {
      const td = Date.now();
      await consumer.disconnect(); // waits for the in-flight fetch (maxWaitTimeInMs, 5 s by default)
      disconnectMs = Date.now() - td;
    }
    check(dup === 0, `${dup} duplicates`);
    return seen;
  }

  await step(`consumer group reads all ${N} back`, async () => {
    const t0 = Date.now();
    const seen = await consumeAll(groupId, N);
    const missing = Array.from({ length: N }, (_, i) => `m${i}`).filter((v) => !seen.has(v));
    check(seen.size === N && missing.length === 0, `got ${seen.size}, missing ${missing.slice(0, 5).join(',')}`);
    return `${seen.size} distinct; first after ${firstMs} ms, all after ${readMs} ms (from connect, incl. group join), disconnect ${disconnectMs} ms, step ${Date.now() - t0} ms`;
  });
  await step('admin fetchOffsets (OffsetFetch) = committed', async () => {
    const r = await admin.fetchOffsets({ groupId, topics: [topic] });
    const total = r[0]!.partitions.reduce((s, p) => s + Number(p.offset), 0);
    check(total === N, `committed offsets sum to ${total}`);
    return r[0]!.partitions.map((p) => `p${p.partition}@${p.offset}`).join(' ');
  });
  await step('admin listGroups + describeGroups', async () => {
    const { groups } = await admin.listGroups();
    check(groups.some((g) => g.groupId === groupId), 'group not listed');
    const d = await admin.describeGroups([groupId]);
    return `${groups.length} groups; ${groupId} state=${d.groups[0]!.state} protocolType=${d.groups[0]!.protocolType}`;
  });

  if (restart) {
    const before = (await kafkaStatus()).clusterId;
    await admin.disconnect();
    await step('restart: down, 10 s pause, up (same data dir)', async () => {
      const t0 = Date.now();
      await kafkaDown();
      const tDown = Date.now() - t0;
      check(!(await kafkaStatus()).running, 'still running after down');
      await sleep(10_000);
      const t1 = Date.now();
      await kafkaUp();
      const after = (await kafkaStatus()).clusterId;
      check(before !== undefined && before === after, `cluster id ${before} -> ${after}`);
      return `down ${tDown} ms, up ${Date.now() - t1} ms, cluster id kept (${after})`;
    });
    await admin.connect();
    await step('after restart: committed offsets kept', async () => {
      const r = await admin.fetchOffsets({ groupId, topics: [topic] });
      const total = r[0]!.partitions.reduce((s, p) => s + Number(p.offset), 0);
      check(total === N, `committed offsets sum to ${total}`);
    });
    await step(`after restart: new group reads all ${N} again`, async () => {
      const seen = await consumeAll(`${groupId}-after`, N);
      check(seen.size === N, `got ${seen.size}`);
    });
    await step('after restart: idempotent producer appends 10 more', async () => {
      const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
      await producer.connect();
      await producer.send({ topic, acks: -1, messages: Array.from({ length: 10 }, (_, i) => ({ value: `r${i}` })) });
      await producer.disconnect();
      const offs = await admin.fetchTopicOffsets(topic);
      check(offs.reduce((s, o) => s + Number(o.high), 0) === N + 10, 'not N+10');
    });
  }

  await step('admin deleteTopics', async () => {
    await admin.deleteTopics({ topics: [topic, plainTopic, txTopic] });
    const left = (await admin.listTopics()).filter((t) => t.startsWith(topic));
    check(left.length === 0, `still listed: ${left.join(',')}`);
  });
  await admin.disconnect();

  if (warnings.length) {
    console.log(`kafkajs warnings/errors logged (${warnings.length}):`);
    for (const w of [...new Set(warnings)].slice(0, 30)) console.log(`  ${w}`);
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`kafka smoke: ${results.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (e) {
  console.error(e);
} finally {
  if (!keep) await kafkaDown();
}
process.exit(code);
