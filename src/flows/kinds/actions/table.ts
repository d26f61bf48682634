import { Type } from '@sinclair/typebox'
import type { Template } from '../../expression.js'
import { TemplateError } from '../../functions.js'
import { defineAction } from '../types.js'
import { asArray, inputsOf } from './shared.js'

interface TableData {
  columns?: Array<{ header: string; value?: Template }>
}

const cell = (v: unknown): string =>
  typeof v === 'string' ? v : v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)
const csvField = (s: string): string => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
const html = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')

/**
 * Table: a CSV or HTML table of `from`. Without `columns` the headers are the objects' property names (in the
 * order they first appear); with them, each column's value is evaluated per element (item()).
 */
export const table = defineAction<TableData>({
  type: 'Table',
  pure: () => true,
  inputs: inputsOf({ from: Type.Unknown(), format: Type.Unknown(), columns: Type.Unknown() }, ['from', 'format']),
  inputsRequired: true,
  evaluated: ({ columns: _columns, ...rest }) => rest,
  compile: (a, c, path) => {
    const i = a.inputs as { format: unknown; columns?: unknown }
    if (typeof i.format === 'string' && !i.format.startsWith('@') && !/^(csv|html)$/i.test(i.format)) {
      c.problem(`${path}/inputs/format`, 'must be CSV or HTML')
    }
    if (i.columns === undefined) return {}
    if (!Array.isArray(i.columns)) {
      c.problem(`${path}/inputs/columns`, 'must be an array of { header, value }')
      return {}
    }
    return {
      columns: i.columns.map((col: { header?: unknown; value?: unknown }, n) => {
        if (typeof col?.header !== 'string') c.problem(`${path}/inputs/columns/${n}/header`, 'must be a string')
        const value = col?.value === undefined ? undefined : c.template(`${path}/inputs/columns/${n}/value`, col.value)
        return { header: String(col?.header ?? ''), ...(value ? { value } : {}) }
      }),
    }
  },
  run: async ({ step, data, inputs, scope, run }) => {
    const i = inputs as { from: unknown; format: unknown }
    const rows = asArray(i.from, 'Table: from')
    const format = String(i.format).toUpperCase()
    if (format !== 'CSV' && format !== 'HTML') throw new TemplateError('Table: format must be CSV or HTML.')
    let headers: string[]
    let values: string[][]
    if (data.columns) {
      // Columns with the same header share one column, as the reference says.
      headers = [...new Set(data.columns.map(c => c.header))]
      values = rows.map((item, index) => {
        const inner = run.childScope(scope, { name: step.name, item, index }, '')
        const row = new Map<string, string>()
        for (const c of data.columns ?? []) {
          if (c.value && !row.has(c.header)) row.set(c.header, cell(run.render(c.value, inner)))
        }
        return headers.map(h => row.get(h) ?? '')
      })
    } else {
      headers = []
      for (const r of rows) {
        if (!r || typeof r !== 'object' || Array.isArray(r)) {
          throw new TemplateError('Table: without columns, every element of from must be an object.')
        }
        for (const k of Object.keys(r)) if (!headers.includes(k)) headers.push(k)
      }
      values = rows.map(r => headers.map(h => cell((r as Record<string, unknown>)[h])))
    }
    const out =
      format === 'CSV'
        ? [headers, ...values].map(line => line.map(csvField).join(',')).join('\r\n')
        : `<table><thead><tr>${headers.map(h => `<th>${html(h)}</th>`).join('')}</tr></thead><tbody>` +
          values.map(line => `<tr>${line.map(v => `<td>${html(v)}</td>`).join('')}</tr>`).join('') +
          '</tbody></table>'
    return { outputs: { body: out }, body: out }
  },
})
