import protobuf from 'protobufjs'
import type { Metric, Tags } from '../step.js'

// The part of TensorFlow's Event and Summary protos (tensorflow/core/util/event.proto,
// tensorflow/core/framework/summary.proto; TensorBoard keeps copies under
// tensorboard/compat/proto/) that scalar summaries use. Field numbers are the real
// ones, so TensorBoard reads what this writes; the fields left out are never set.
const root = protobuf.Root.fromJSON({
  nested: {
    tensorboard: {
      nested: {
        Event: {
          oneofs: { what: { oneof: ['file_version', 'summary'] } },
          fields: {
            wall_time: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            file_version: { type: 'string', id: 3 },
            summary: { type: 'Summary', id: 5 },
          },
        },
        Summary: {
          fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
          nested: {
            Value: {
              // A oneof, as in summary.proto: simple_value is written even when 0, so readers see it set.
              oneofs: { value: { oneof: ['simple_value'] } },
              fields: {
                tag: { type: 'string', id: 1 },
                simple_value: { type: 'float', id: 2 },
              },
            },
          },
        },
      },
    },
  },
})
const EventType = root.lookupType('tensorboard.Event')

/** The version string TensorFlow writes as the first event of every event file. */
export const FILE_VERSION = 'brain.Event:2'

// Encoding is synchronous: one message object serves every event. (Not one Writer:
// protobufjs's finish() does not reset it, so a reused writer would repeat old events.)
const value = { tag: '', simple_value: 0 }
const scalar = { wall_time: 0, step: 0, summary: { value: [value] } }

/**
 * An Event holding one scalar summary, serialised.
 *
 * @param wallTime seconds since the Unix epoch
 * @param step the global step (truncated to an integer; not finite becomes 0)
 * @param tag the summary's tag
 * @param simpleValue the value, stored as a float32
 * @returns the Event's bytes
 */
export function encodeScalarEvent(wallTime: number, step: number, tag: string, simpleValue: number): Uint8Array {
  scalar.wall_time = wallTime
  scalar.step = Number.isFinite(step) ? Math.trunc(step) : 0
  value.tag = tag
  value.simple_value = simpleValue
  return EventType.encode(scalar).finish()
}

/**
 * The first Event of an event file: its `file_version` ({@link FILE_VERSION}).
 *
 * @param wallTime seconds since the Unix epoch
 * @returns the Event's bytes
 */
export function encodeFileVersionEvent(wallTime: number): Uint8Array {
  return EventType.encode({ wall_time: wallTime, file_version: FILE_VERSION }).finish()
}

/** An Event read back by {@link decodeEvent}. */
export interface DecodedEvent {
  wallTime: number
  step: number
  fileVersion: string | undefined
  /** The summary's values with a `simple_value`. */
  scalars: { tag: string; value: number }[]
}

/**
 * Parses an Event written by {@link encodeScalarEvent} or {@link encodeFileVersionEvent}.
 *
 * @param bytes the Event's bytes
 * @returns its time, step, file version and scalar values
 */
export function decodeEvent(bytes: Uint8Array): DecodedEvent {
  const event = EventType.toObject(EventType.decode(bytes), { longs: Number }) as {
    wall_time?: number
    step?: number
    file_version?: string
    summary?: { value?: { tag?: string; simple_value?: number }[] }
  }
  return {
    wallTime: event.wall_time ?? 0,
    step: event.step ?? 0,
    fileVersion: event.file_version,
    scalars: (event.summary?.value ?? []).map((v) => ({ tag: v.tag ?? '', value: v.simple_value ?? 0 })),
  }
}

/**
 * TensorFlow's event file name: `events.out.tfevents.<unix seconds, 10 digits>.<hostname>.<pid>.<n>`,
 * as `tf.summary` and TensorBoard's own writer name it.
 *
 * @param timeSecs when the file is created, in seconds since the Unix epoch
 * @param hostname this machine's name
 * @param pid this process's id
 * @param n a counter of the files this process opened, from 0
 * @returns the file name
 */
export function eventFileName(timeSecs: number, hostname: string, pid: number, n: number): string {
  return `events.out.tfevents.${String(Math.floor(timeSecs)).padStart(10, '0')}.${hostname}.${pid}.${n}`
}

// Metrics of one operator share their tags object: its tag strings are kept per object.
const tagCache = new WeakMap<Tags, Map<string, string>>()

/**
 * The TensorBoard tag of a metric: its name, then, when it has tags, a `/` and
 * `key=value` pairs sorted by key and joined by `,`:
 * `step_loss`, `byteps_telemetry_mean_us/op=alltoall`,
 * `run_steps.all/cluster_type=stable,model_name=mnist`. The same metric and tags give
 * the same tag whatever the order of the keys; TensorBoard groups the charts of one
 * metric name under one section (the part before the first `/`). Keys and values are
 * not escaped. A tags object is read once per name and the result kept (metrics are
 * values: a tags object changed in place after use keeps its first tag).
 *
 * @example
 * ```ts
 * import { metricTag } from 'rxtrain'
 * metricTag({ kind: 'timer', name: 'byteps_telemetry_mean_us', value: 12, tags: { op: 'alltoall' }, step: 1, timeMs: 0 })
 * // 'byteps_telemetry_mean_us/op=alltoall'
 * ```
 * @param metric the metric
 * @returns its tag
 */
export function metricTag(metric: Metric): string {
  const { name, tags } = metric
  if (tags === undefined) return name
  let byName = tagCache.get(tags)
  if (byName === undefined) tagCache.set(tags, (byName = new Map()))
  let tag = byName.get(name)
  if (tag === undefined) {
    const keys = Object.keys(tags).sort()
    tag = keys.length === 0 ? name : `${name}/${keys.map((k) => `${k}=${tags[k]}`).join(',')}`
    byName.set(name, tag)
  }
  return tag
}
