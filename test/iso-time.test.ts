import t from 'tap'
import { isoTime } from '../src/iso-time.js'

t.test('isoTime writes what toISOString writes, within a second, across seconds and at the ends of the range', t => {
  const at = [
    0, 1, 999, 1000, -1, -999, -1000, -1001, 1796653284000, 1796653284009, 1796653284010, 1796653284999,
    1796653285000, -62167219200000, -62167219200001, 253402300799999, 253402300800000, 8.64e15, -8.64e15, 1.5,
  ]
  // Walks forward and back over seconds, as a run's stamps and a clock set back do.
  for (let ms = 1796653283990; ms < 1796653285020; ms += 7) at.push(ms, 1796653285020 - (ms - 1796653283990))
  for (const ms of at) t.equal(isoTime(ms), new Date(ms).toISOString(), String(ms))
  t.end()
})
