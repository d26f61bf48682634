import { encodeId } from '../ids.js'
import type { Caller } from '../domain/caller.js'
import type { Ctx } from '../store/ctx.js'
import type { AuditRecord, GovernedSpace, PlanItem, SpaceConditions } from '../schemas/governance.js'
import { audit, auditWhere, toAuditRecord, type AuditFilter, type AuditRow } from './audit.js'
import { governedRows, matchingSeqs, searchConditions, type GovernedRow } from './search.js'

/**
 * Evidence exports, streamed: a header (what was exported, the filter, when, by which officer), then the
 * records, CSV or JSON. Nothing is held whole: spaces are read a page of seqs at a time, audit records row
 * by row, so a million spaces cost one number each until written. An export is itself audited.
 */
export type Format = 'csv' | 'json'

export interface ExportHeader {
  kind: 'spaces' | 'plan' | 'audit'
  filter: Record<string, unknown>
  generated: string
  officer: { id: string; email?: string; displayName?: string }
}

interface Columns<T> {
  names: string[]
  row: (item: T) => unknown[]
}

const SPACE_COLUMNS: Columns<GovernedSpace> = {
  names: [
    'id',
    'title',
    'type',
    'isLocked',
    'isBlocked',
    'teamId',
    'creatorId',
    'ownerId',
    'created',
    'lastActivity',
    'memberCount',
    'externalMemberCount',
    'externalDomains',
    'tags',
    'classificationId',
  ],
  row: s => [
    s.id,
    s.title,
    s.type,
    s.isLocked,
    s.isBlocked,
    s.teamId,
    s.creatorId,
    s.ownerId,
    s.created,
    s.lastActivity,
    s.memberCount,
    s.externalMemberCount,
    s.externalDomains.join(';'),
    s.tags.join(';'),
    s.classificationId,
  ],
}

const PLAN_COLUMNS: Columns<PlanItem> = {
  names: [
    'roomId',
    'title',
    'action',
    'messages',
    'before',
    'decidedBy',
    'holdId',
    'holdName',
    'overruled',
    'wouldErase',
    'reason',
  ],
  row: i => [
    i.roomId,
    i.title,
    i.action,
    i.messages,
    i.before,
    i.decidedBy,
    i.hold?.id,
    i.hold?.name,
    i.overruled,
    i.wouldErase,
    i.reason,
  ],
}

const AUDIT_COLUMNS: Columns<AuditRecord> = {
  names: ['id', 'at', 'actorId', 'policyId', 'roomId', 'action', 'detail', 'prevHash', 'hash'],
  row: r => [r.id, r.at, r.actorId, r.policyId, r.roomId, r.action, JSON.stringify(r.detail), r.prevHash, r.hash],
}

/**
 * One CSV field (RFC 4180 quoting). Text starting with = + - @ (or a tab or CR) is prefixed with ' so a
 * spreadsheet opening the evidence never runs a title as a formula.
 */
function csvField (v: unknown): string {
  if (v === undefined || v === null) return ''
  let s = String(v)
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

const csvLine = (fields: unknown[]): string => fields.map(csvField).join(',') + '\r\n'

/** The export as text chunks: header, records in batches, and a closing line with the count. */
async function * render<T> (
  format: Format,
  header: ExportHeader,
  columns: Columns<T>,
  batches: AsyncIterable<T[]>
): AsyncGenerator<string> {
  let count = 0
  if (format === 'csv') {
    // The header lines are comments, written as they are (JSON escapes any line break of the filter).
    const name = (header.officer.displayName ?? '').replace(/[\r\n]/g, ' ')
    yield `# export: ${header.kind}\r\n` +
      `# filter: ${JSON.stringify(header.filter)}\r\n` +
      `# generated: ${header.generated}\r\n` +
      `# officer: ${name} <${header.officer.email ?? ''}> ${header.officer.id}\r\n` +
      csvLine(columns.names)
    for await (const batch of batches) {
      count += batch.length
      if (batch.length > 0) yield batch.map(item => csvLine(columns.row(item))).join('')
    }
    yield `# end: ${count} records\r\n`
    return
  }
  yield `{"export":${JSON.stringify(header)},"items":[`
  for await (const batch of batches) {
    if (batch.length === 0) continue
    yield (count > 0 ? ',\n' : '\n') + batch.map(item => JSON.stringify(item)).join(',\n')
    count += batch.length
  }
  yield `\n],"count":${count}}\n`
}

async function header (
  ctx: Ctx,
  caller: Caller,
  kind: ExportHeader['kind'],
  filter: Record<string,
  unknown>
): Promise<ExportHeader> {
  const me = await ctx.person(caller.personId)
  return {
    kind,
    filter,
    generated: ctx.now(),
    officer: {
      id: encodeId('PEOPLE', caller.personId),
      ...(me ? { email: me.email, displayName: me.display_name } : {}),
    },
  }
}

/** The export, audited before its first byte: who exported what, how, matching how many. */
export interface Export {
  header: ExportHeader
  chunks: AsyncIterable<string>
}

async function begin (
  ctx: Ctx,
  caller: Caller,
  h: ExportHeader,
  format: Format,
  records: number | undefined
): Promise<void> {
  await ctx.tx(async () =>
    audit(ctx, {
      orgId: caller.orgId,
      actorId: caller.personId,
      action: `export.${h.kind}`,
      detail: { filter: h.filter, format, ...(records !== undefined ? { records } : {}) },
    })
  )
}

/**
 * Every space matching search's conditions (validated as search validates them, before anything is
 * written), in search's order.
 */
export async function exportSpaces (
  ctx: Ctx,
  caller: Caller,
  q: SpaceConditions & { sortBy?: string; format?: string },
  format: Format
): Promise<Export> {
  const { format: _f, ...filter } = q
  const conditions = searchConditions(filter)
  const seqs = await matchingSeqs(ctx, caller.orgId, conditions, q.sortBy === 'lastactivity')
  const h = await header(ctx, caller, 'spaces', filter)
  await begin(ctx, caller, h, format, seqs.length)
  async function * batches (): AsyncGenerator<GovernedSpace[]> {
    for (let i = 0; i < seqs.length; i += 1000) {
      const page = Array.from(seqs.slice(i, i + 1000))
      const rows = await ctx.all<GovernedRow>(
        `SELECT * FROM rooms WHERE seq IN (${page.map(() => '?').join(',')})`,
        ...page
      )
      const bySeq = new Map(rows.map(r => [r.seq, r]))
      // A space deleted since the export began is left out.
      const ordered = page.map(seq => bySeq.get(seq)).filter((r): r is GovernedRow => r !== undefined)
      yield await governedRows(ctx, ordered, caller.personId)
    }
  }
  return { header: h, chunks: render(format, h, SPACE_COLUMNS, batches()) }
}

/** Every plan item (not only the first thousand the plan answer shows). */
export async function exportPlan (
  ctx: Ctx,
  caller: Caller,
  filter: { roomId?: string },
  items: AsyncIterable<PlanItem>,
  format: Format
): Promise<Export> {
  const h = await header(ctx, caller, 'plan', filter)
  await begin(ctx, caller, h, format, undefined)
  async function * batches (): AsyncGenerator<PlanItem[]> {
    let batch: PlanItem[] = []
    for await (const item of items) {
      batch.push(item)
      if (batch.length === 1000) {
        yield batch
        batch = []
      }
    }
    yield batch
  }
  return { header: h, chunks: render(format, h, PLAN_COLUMNS, batches()) }
}

/** An audit range with each record's hashes, so the export itself carries the chain. */
export async function exportAudit (ctx: Ctx, caller: Caller, filter: AuditFilter, format: Format): Promise<Export> {
  const { where, params } = auditWhere(caller, filter)
  const h = await header(ctx, caller, 'audit', { ...filter })
  await begin(ctx, caller, h, format, undefined)
  async function * batches (): AsyncGenerator<AuditRecord[]> {
    let after = 0
    for (;;) {
      const rows = await ctx.all<AuditRow>(
        `SELECT * FROM audit WHERE ${where.join(' AND ')} AND seq > ? ORDER BY seq LIMIT 1000`,
        ...params,
        after
      )
      if (rows.length === 0) return
      after = rows[rows.length - 1].seq
      yield rows.map(toAuditRecord)
    }
  }
  return { header: h, chunks: render(format, h, AUDIT_COLUMNS, batches()) }
}
