import { expect } from 'chai'
import { crc32c, maskCrc } from '../../lib/tensorboard/crc32c.js'

const ascii = (s: string) => new TextEncoder().encode(s)

/** A byte at a time, straight from the polynomial: the reference the fast path must match. */
function slowCrc32c(data: Uint8Array): number {
  let c = 0xffffffff
  for (const b of data) {
    c ^= b
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
  }
  return ~c >>> 0
}

const unmask = (masked: number) => {
  const rot = (masked - 0xa282ead8) >>> 0
  return ((rot >>> 17) | (rot << 15)) >>> 0
}

describe('crc32c', () => {
  it('matches the check value and the RFC 3720 (iSCSI) test vectors', () => {
    expect(crc32c(ascii('123456789'))).to.equal(0xe3069283)
    expect(crc32c(new Uint8Array(32))).to.equal(0x8a9136aa)
    expect(crc32c(new Uint8Array(32).fill(0xff))).to.equal(0x62a8ab43)
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).to.equal(0x46dd794e)
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).to.equal(0x113fdb5c)
    expect(crc32c(ascii('The quick brown fox jumps over the lazy dog'))).to.equal(0x22620404)
  })

  it('is 0 for no bytes and always an unsigned 32-bit number', () => {
    expect(crc32c(new Uint8Array(0))).to.equal(0)
    const c = crc32c(new Uint8Array(32)) // 0x8A9136AA: the top bit set
    expect(c).to.be.above(0x7fffffff) // would be negative if not made unsigned
  })

  it('agrees with a bytewise implementation for every length around the 8-byte rounds', () => {
    let seed = 12345
    const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) >>> 16) & 0xff
    for (let n = 0; n <= 70; n++) {
      const data = Uint8Array.from({ length: n }, rand)
      expect(crc32c(data), `length ${n}`).to.equal(slowCrc32c(data))
    }
  })

  it('continues a CRC over more bytes, and reads a range without copying', () => {
    const all = ascii('123456789abcdefghijklmnopqrstuvwxyz')
    for (const cut of [0, 1, 7, 8, 9, 20, all.length]) {
      expect(crc32c(all.subarray(cut), crc32c(all.subarray(0, cut))), `cut at ${cut}`).to.equal(crc32c(all))
    }
    expect(crc32c(all, 0, 3, 12)).to.equal(crc32c(all.slice(3, 12)))
    expect(crc32c(all, 0, 5, 5)).to.equal(0)
  })

  it('masks as TensorFlow does: rotated right 15 bits plus 0xa282ead8, reversible', () => {
    // The masked CRC of "123456789", from TensorBoard's own (pure Python) record reader.
    expect(maskCrc(crc32c(ascii('123456789')))).to.equal(0xc78ab0e5)
    for (const c of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xe3069283]) {
      const m = maskCrc(c)
      expect(m).to.be.within(0, 0xffffffff)
      expect(unmask(m)).to.equal(c)
    }
    expect(maskCrc(0)).to.equal(0xa282ead8)
  })
})
