import { crc32c, maskCrc } from './crc32c.js'

/** Bytes a TFRecord adds around its data: an 8-byte length and two 4-byte masked CRCs. */
export const RECORD_OVERHEAD = 16

/**
 * Writes one TFRecord into `target` at `offset`: the data's length as a little-endian
 * uint64, the masked CRC-32C of those 8 bytes, the data, and the masked CRC-32C of
 * the data (CRCs little-endian uint32). `target` must have room for
 * `data.length + RECORD_OVERHEAD` bytes.
 *
 * @param target where the record goes
 * @param offset the index of its first byte
 * @param data the record's payload
 * @returns the index after the record
 */
export function writeRecord(target: Uint8Array, offset: number, data: Uint8Array): number {
  const n = data.length
  const hi = Math.floor(n / 0x1_0000_0000)
  let o = offset
  target[o++] = n & 0xff
  target[o++] = (n >>> 8) & 0xff
  target[o++] = (n >>> 16) & 0xff
  target[o++] = (n >>> 24) & 0xff
  target[o++] = hi & 0xff
  target[o++] = (hi >>> 8) & 0xff
  target[o++] = (hi >>> 16) & 0xff
  target[o++] = (hi >>> 24) & 0xff
  o = putUint32(target, o, maskCrc(crc32c(target, 0, offset, o)))
  target.set(data, o)
  o += n
  return putUint32(target, o, maskCrc(crc32c(data)))
}

/**
 * One TFRecord holding `data`, in a new array.
 *
 * @param data the record's payload
 * @returns the framed record
 */
export function frameRecord(data: Uint8Array): Uint8Array {
  const out = new Uint8Array(data.length + RECORD_OVERHEAD)
  writeRecord(out, 0, data)
  return out
}

/** What {@link readRecords} found. */
export interface RecordsRead {
  /** The payloads of the whole, intact records, in order (views into the input). */
  records: Uint8Array[]
  /** The index after the last intact record. */
  end: number
  /** Why reading stopped before the end of the input: a torn or corrupt record, and where. */
  problem: string | undefined
}

/**
 * Reads TFRecords, checking both CRCs of each. Like TensorFlow's reader (and
 * TensorBoard's), it stops at the first record that is cut short or fails a CRC and
 * keeps the records before it: a file whose writer died mid-record reads as every
 * record written before.
 *
 * @param bytes the file's contents
 * @returns the records, where they end, and why reading stopped early if it did
 */
export function readRecords(bytes: Uint8Array): RecordsRead {
  const records: Uint8Array[] = []
  let at = 0
  const stop = (problem: string): RecordsRead => ({ records, end: at, problem: `${problem} at offset ${at}` })
  while (at < bytes.length) {
    if (bytes.length - at < 12) return stop('truncated record header')
    const n = getUint32(bytes, at) + getUint32(bytes, at + 4) * 0x1_0000_0000
    if (getUint32(bytes, at + 8) !== maskCrc(crc32c(bytes, 0, at, at + 8))) return stop('record length fails its CRC')
    if (bytes.length - at - 12 < n + 4) return stop('truncated record data')
    const data = bytes.subarray(at + 12, at + 12 + n)
    if (getUint32(bytes, at + 12 + n) !== maskCrc(crc32c(data))) return stop('record data fails its CRC')
    records.push(data)
    at += n + RECORD_OVERHEAD
  }
  return { records, end: at, problem: undefined }
}

function putUint32(target: Uint8Array, o: number, v: number): number {
  target[o] = v & 0xff
  target[o + 1] = (v >>> 8) & 0xff
  target[o + 2] = (v >>> 16) & 0xff
  target[o + 3] = (v >>> 24) & 0xff
  return o + 4
}

function getUint32(bytes: Uint8Array, o: number): number {
  return (bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24)) >>> 0
}
