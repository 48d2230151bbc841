// CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), as TFRecord files use it.
// Slicing-by-8: eight 256-entry tables in one array, so the loop reads eight bytes
// per round with no branches; the tail runs a byte at a time.

const POLY = 0x82f63b78
const TABLES = buildTables()

function buildTables(): Int32Array {
  const t = new Int32Array(8 * 256)
  for (let i = 0; i < 256; i++) {
    let c = i
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1
    t[i] = c
  }
  for (let i = 0; i < 256; i++) {
    for (let s = 1; s < 8; s++) {
      const prev = t[(s - 1) * 256 + i]!
      t[s * 256 + i] = (prev >>> 8) ^ t[prev & 0xff]!
    }
  }
  return t
}

/**
 * The CRC-32C of `data` (or of its bytes from `start` to `end`, with no copy or view).
 * Pass a previous result as `crc` to continue it over more bytes:
 * `crc32c(b, crc32c(a))` is the CRC of `a` followed by `b`.
 *
 * @param data the bytes
 * @param crc the CRC of what came before; default 0 (nothing)
 * @param start the first byte's index; default 0
 * @param end the index after the last byte; default `data.length`
 * @returns the CRC as an unsigned 32-bit number
 */
export function crc32c(data: Uint8Array, crc = 0, start = 0, end = data.length): number {
  const t = TABLES
  let c = ~crc
  let i = start
  for (const stop = end - ((end - start) & 7); i < stop; i += 8) {
    const lo = c ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24))
    c =
      t[7 * 256 + (lo & 0xff)]! ^
      t[6 * 256 + ((lo >>> 8) & 0xff)]! ^
      t[5 * 256 + ((lo >>> 16) & 0xff)]! ^
      t[4 * 256 + (lo >>> 24)]! ^
      t[3 * 256 + data[i + 4]!]! ^
      t[2 * 256 + data[i + 5]!]! ^
      t[256 + data[i + 6]!]! ^
      t[data[i + 7]!]!
  }
  for (; i < end; i++) c = (c >>> 8) ^ t[(c ^ data[i]!) & 0xff]!
  return ~c >>> 0
}

/**
 * TFRecord's masked CRC: rotated right by 15 bits plus a constant, so that a CRC of
 * data that itself holds CRCs does not degenerate (TensorFlow's `crc32c::Mask`).
 *
 * @param crc an unsigned 32-bit CRC
 * @returns the masked CRC, unsigned 32-bit
 */
export function maskCrc(crc: number): number {
  return (((crc >>> 15) | (crc << 17)) + 0xa282ead8) >>> 0
}
