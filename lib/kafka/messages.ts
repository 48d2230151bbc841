/** What `KProducer.send` takes: one message, or an iterable of them. */
export type KafkaMessages = string | Uint8Array | Iterable<unknown> | null | undefined

/** The messages `send` keeps, as bytes, and the ones it refused, with why. */
export interface FilteredMessages {
  accepted: Buffer[]
  rejected: string[]
}

const NONE: FilteredMessages = { accepted: [], rejected: [] }

function toBytes(value: Uint8Array): Buffer {
  return Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.byteLength)
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

/** One entry: bytes, or why it was refused; undefined when the seed drops it silently (null, empty). */
function one(value: unknown, index: number, json: boolean): Buffer | string | undefined {
  if (value === null || value === undefined) return undefined
  if (typeof value === 'string') return value.length === 0 ? undefined : Buffer.from(value)
  if (value instanceof Uint8Array) return value.byteLength === 0 ? undefined : toBytes(value)
  if (json) {
    const text = JSON.stringify(value)
    if (text !== undefined) return Buffer.from(text)
  }
  return `message ${index} is ${describe(value)}, not a string or bytes` + (json ? ' JSON can encode' : ' (pass json: true to JSON-encode it)')
}

/**
 * The seed's `KProducer.send` filtering: nothing for null, undefined or an empty
 * message or list; a string or bytes is one message; from an iterable, null and
 * empty entries are dropped. Strings become UTF-8 bytes. Other values are refused
 * (the Python raises on them), or JSON-encoded when `json` is true.
 *
 * @example
 * ```ts
 * import { filterMessages } from 'rxtrain'
 * filterMessages(['a', '', null, new Uint8Array([1])], false).accepted.length // 2
 * ```
 * @param msgs what `send` was given
 * @param json whether to JSON-encode values that are neither strings nor bytes
 * @returns the accepted messages as bytes, and a reason for each refused one
 */
export function filterMessages(msgs: unknown, json: boolean): FilteredMessages {
  if (msgs === null || msgs === undefined) return NONE
  if (typeof msgs === 'string' || msgs instanceof Uint8Array) {
    const bytes = one(msgs, 0, json)
    return bytes === undefined ? NONE : { accepted: [bytes as Buffer], rejected: [] }
  }
  const iterable = typeof (msgs as Iterable<unknown>)[Symbol.iterator] === 'function' ? (msgs as Iterable<unknown>) : [msgs]
  const accepted: Buffer[] = []
  let rejected: string[] | undefined
  let index = 0
  for (const value of iterable) {
    const result = one(value, index++, json)
    if (result === undefined) continue
    if (typeof result === 'string') (rejected ??= []).push(result)
    else accepted.push(result)
  }
  return accepted.length === 0 && rejected === undefined ? NONE : { accepted, rejected: rejected ?? [] }
}
