import { expect } from 'chai'
import { frameRecord, readRecords, RECORD_OVERHEAD, writeRecord } from '../../lib/tensorboard/tfrecord.js'

const ascii = (s: string) => new TextEncoder().encode(s)
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')

describe('TFRecord framing', () => {
  it('frames a known payload byte for byte: uint64 length, masked CRC of it, data, masked CRC of the data', () => {
    // The same record as TensorBoard's Python writer frames b"hello".
    expect(hex(frameRecord(ascii('hello')))).to.equal('0500000000000000' + 'eab2043e' + '68656c6c6f' + 'bb1f1c19')
  })

  it('frames an empty payload in 16 bytes', () => {
    const r = frameRecord(new Uint8Array(0))
    expect(r.length).to.equal(RECORD_OVERHEAD)
    expect(hex(r.subarray(0, 8))).to.equal('0000000000000000')
    expect(readRecords(r).records.map(hex)).to.deep.equal([''])
  })

  it('writes a length past 2^16 little-endian and at an offset, returning the end', () => {
    const data = new Uint8Array(70_000).fill(7)
    const out = new Uint8Array(3 + data.length + RECORD_OVERHEAD).fill(0xee)
    expect(writeRecord(out, 3, data)).to.equal(out.length)
    expect(hex(out.subarray(0, 3))).to.equal('eeeeee')
    expect(hex(out.subarray(3, 11))).to.equal('7011010000000000') // 70000 = 0x011170
    expect(readRecords(out.subarray(3)).records[0]).to.deep.equal(data)
  })

  it('reads back many records in order', () => {
    const payloads = ['a', '', 'bcdefghij', 'x'.repeat(300)].map(ascii)
    const file = Buffer.concat(payloads.map(frameRecord))
    const read = readRecords(file)
    expect(read.records.map(hex)).to.deep.equal(payloads.map(hex))
    expect(read.end).to.equal(file.length)
    expect(read.problem).to.equal(undefined)
  })

  it('keeps the records before a torn one, as TensorFlow reads a file cut mid-record', () => {
    const file = Buffer.concat([frameRecord(ascii('one')), frameRecord(ascii('two'))])
    const first = 3 + RECORD_OVERHEAD
    for (const [cut, problem] of [
      [first + 5, 'truncated record header at offset 19'],
      [first + 14, 'truncated record data at offset 19'],
      [file.length - 1, 'truncated record data at offset 19'],
    ] as const) {
      const read = readRecords(file.subarray(0, cut))
      expect(read.records.map(hex), `cut at ${cut}`).to.deep.equal([hex(ascii('one'))])
      expect(read.end).to.equal(first)
      expect(read.problem).to.equal(problem)
    }
  })

  it('stops at a record whose length or data fails its CRC', () => {
    const make = () => Buffer.concat([frameRecord(ascii('one')), frameRecord(ascii('two')), frameRecord(ascii('three'))])
    const badData = make()
    badData[19 + 12] ^= 1 // the first byte of "two"
    expect(readRecords(badData)).to.deep.include({ end: 19, problem: 'record data fails its CRC at offset 19' })
    expect(readRecords(badData).records).to.have.length(1)
    const badLength = make()
    badLength[19] ^= 1
    expect(readRecords(badLength)).to.deep.include({ end: 19, problem: 'record length fails its CRC at offset 19' })
  })
})
