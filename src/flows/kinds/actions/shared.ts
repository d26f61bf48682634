import type { TSchema } from '@sinclair/typebox'
import { TemplateError } from '../../functions.js'
import { objectOf } from '../../schema.js'
import { ActionFailure, type ActionOutcome, type RunStatus } from '../types.js'
import type { OperationReply } from '../../operations.js'
import { retryAfterMs } from '../../../http/retry-after.js'

/** A control action whose inner actions failed unhandled fails too, naming the first such action. */
export const innerFailure = (failed: string): ActionOutcome & { status: RunStatus } => ({
  status: 'Failed',
  error: { code: 'ActionFailed', message: `An action failed: ${failed}.` },
})

/** An object of inputs with exactly these properties (values may be expressions); `required` ones must be there. */
export const inputsOf = (props: Record<string, TSchema>, required: string[] = []): TSchema => objectOf(props, required)

export function asArray (v: unknown, what: string): unknown[] {
  if (Array.isArray(v)) return v
  throw new TemplateError(`${what} must be an array, not ${v === null ? 'null' : typeof v}.`)
}

export const TIME_UNITS = ['Second', 'Minute', 'Hour', 'Day', 'Week', 'Month'] as const
export function timeUnit (v: unknown): string | undefined {
  return TIME_UNITS.find(u => u.toLowerCase() === String(v).toLowerCase())
}

/** An HTTP answer as an action's outcome: outputs { statusCode, headers, body }; a non-2xx answer fails it. */
export function replyOutcome (reply: OperationReply, now: number): ActionOutcome {
  const outputs = { statusCode: reply.statusCode, headers: reply.headers, body: reply.body }
  if (reply.statusCode >= 400) {
    const msg = (reply.body as { message?: unknown } | null)?.message
    throw new ActionFailure(
      String(reply.statusCode),
      typeof msg === 'string' ? msg : `The call answered ${reply.statusCode}.`,
      outputs,
      reply.body,
      reply.statusCode === 408 || reply.statusCode === 429 || reply.statusCode >= 500,
      retryAfterMs(reply.headers['retry-after'], now)
    )
  }
  return { outputs, body: reply.body }
}
