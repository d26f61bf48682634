import { Type } from '@sinclair/typebox'
import type { TriggerKind } from '../types.js'

/** Recurrence: fires on a schedule (frequency, interval, startTime, timeZone, schedule); triggerBody() is empty. */
export const recurrence: TriggerKind = {
  type: 'Recurrence',
  required: ['recurrence'],
  properties: () => ({ recurrence: Type.Unknown(), evaluatedRecurrence: Type.Unknown() }),
  compile: (t, c, path) => {
    const r = c.recurrence(`${path}/recurrence`, t.recurrence)
    return r ? { source: 'schedule', recurrence: r } : undefined
  },
}
