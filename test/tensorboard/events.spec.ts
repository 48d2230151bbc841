import { expect } from 'chai'
import type { Metric } from '../../lib/step.js'
import { decodeEvent, encodeFileVersionEvent, encodeScalarEvent, eventFileName, FILE_VERSION, metricTag } from '../../lib/tensorboard/events.js'

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex')
const metric = (name: string, tags?: Record<string, string>): Metric => ({ kind: 'store', name, value: 1, tags, step: 1, timeMs: 0 })

describe('TensorBoard events', () => {
  it('encodes a scalar Event with the field numbers of event.proto and summary.proto', () => {
    // What TensorBoard's own event_pb2 serialises for
    // Event(wall_time=1.5, step=7, summary=Summary(value=[Value(tag="loss", simple_value=0.25)])):
    // 09 <double 1.5> | 10 07 | 2a 0d ( 0a 0b ( 0a 04 "loss" | 15 <float 0.25> ) )
    expect(hex(encodeScalarEvent(1.5, 7, 'loss', 0.25))).to.equal('09000000000000f83f10072a0d0a0b0a046c6f7373150000803e')
  })

  it('encodes the file_version Event TensorFlow starts a file with', () => {
    expect(FILE_VERSION).to.equal('brain.Event:2')
    // Event(wall_time=1700000000.25, file_version="brain.Event:2"), from event_pb2.
    expect(hex(encodeFileVersionEvent(1700000000.25))).to.equal('0900001040fc54d9411a0d627261696e2e4576656e743a32')
  })

  it('writes simple_value even when it is 0, so a reader sees the value set', () => {
    const bytes = encodeScalarEvent(1.5, 0, 'a', 0)
    expect(hex(bytes)).to.match(/0a01611500000000$/) // tag "a", then field 2 (float) = 0
    expect(decodeEvent(bytes)).to.deep.equal({ wallTime: 1.5, step: 0, fileVersion: undefined, scalars: [{ tag: 'a', value: 0 }] })
  })

  it('round-trips step as int64 (beyond 32 bits), value as float32 and wall_time as double', () => {
    const e = decodeEvent(encodeScalarEvent(1712345678.123456, 2 ** 40 + 3, 'x/y=z', 0.1))
    expect(e.step).to.equal(2 ** 40 + 3)
    expect(e.wallTime).to.equal(1712345678.123456)
    expect(e.scalars).to.deep.equal([{ tag: 'x/y=z', value: Math.fround(0.1) }])
    expect(e.scalars[0]!.value).not.to.equal(0.1)
  })

  it('truncates a fractional step and writes 0 for one that is not finite', () => {
    expect(decodeEvent(encodeScalarEvent(0, 7.9, 'a', 1)).step).to.equal(7)
    expect(decodeEvent(encodeScalarEvent(0, -3.5, 'a', 1)).step).to.equal(-3)
    expect(decodeEvent(encodeScalarEvent(0, NaN, 'a', 1)).step).to.equal(0)
  })

  it('keeps non-finite values: TensorBoard shows NaN and infinities', () => {
    expect(decodeEvent(encodeScalarEvent(0, 1, 'a', NaN)).scalars[0]!.value).to.be.NaN
    expect(decodeEvent(encodeScalarEvent(0, 1, 'a', -Infinity)).scalars[0]!.value).to.equal(-Infinity)
  })

  it('encodes each event on its own: nothing of one leaks into the next', () => {
    encodeScalarEvent(1, 1, 'first', 1)
    expect(decodeEvent(encodeScalarEvent(2, 2, 'second', 2)).scalars).to.deep.equal([{ tag: 'second', value: 2 }])
  })

  it("names files as TensorFlow does: events.out.tfevents.<10-digit seconds>.<host>.<pid>.<n>", () => {
    expect(eventFileName(1712345678.9, 'worker-0', 4242, 3)).to.equal('events.out.tfevents.1712345678.worker-0.4242.3')
    expect(eventFileName(12.5, 'h', 1, 0)).to.equal('events.out.tfevents.0000000012.h.1.0')
  })

  describe('metricTag', () => {
    it('is the name for a metric without tags, or with an empty tag set', () => {
      expect(metricTag(metric('step_loss'))).to.equal('step_loss')
      expect(metricTag(metric('step_loss', {}))).to.equal('step_loss')
    })

    it('appends /key=value pairs, sorted by key and joined by commas', () => {
      expect(metricTag(metric('byteps_telemetry_mean_us', { op: 'alltoall' }))).to.equal('byteps_telemetry_mean_us/op=alltoall')
      expect(metricTag(metric('run_steps.all', { model_name: 'mnist', cluster_type: 'stable' }))).to.equal(
        'run_steps.all/cluster_type=stable,model_name=mnist',
      )
    })

    it('is the same whatever the order of the keys, and per name for one shared tags object', () => {
      expect(metricTag(metric('m', { b: '2', a: '1' }))).to.equal(metricTag(metric('m', { a: '1', b: '2' })))
      const shared = { op: 'push' }
      expect(metricTag(metric('mean', shared))).to.equal('mean/op=push')
      expect(metricTag(metric('stdev', shared))).to.equal('stdev/op=push')
      expect(metricTag(metric('mean', shared))).to.equal('mean/op=push')
    })
  })
})
