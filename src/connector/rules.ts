import type { OpenAPIV2 } from 'openapi-types'

/**
 * The Power Platform rules that apply to this connector, checked on the generated definition. Each rule returns
 * its violations; `checkDefinition` runs them all. Where they come from (Microsoft's public documentation):
 * - string fields (title, summaries, descriptions, x-ms-summary):
 *   https://learn.microsoft.com/en-us/connectors/custom-connectors/connector-string-guidance
 * - operationIds in PascalCase, file structure: https://learn.microsoft.com/en-us/connectors/custom-connectors/coding-standards
 * - x-ms-visibility, x-ms-dynamic-values, x-ms-trigger, x-ms-notification-url:
 *   https://learn.microsoft.com/en-us/connectors/custom-connectors/openapi-extensions
 * - webhook triggers: https://learn.microsoft.com/en-us/connectors/custom-connectors/create-webhook-trigger
 * - certification (connector metadata, size, responses):
 *   https://learn.microsoft.com/en-us/connectors/custom-connectors/certification-submission
 */
type Doc = OpenAPIV2.Document & Record<string, unknown>
type Obj = Record<string, any>
export interface Rule {
  name: string
  check: (doc: Doc) => string[]
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'] as const
const VISIBILITY = new Set(['important', 'advanced', 'internal'])

function operations (doc: Doc): Array<{ path: string; method: string; op: Obj; item: Obj }> {
  const out = []
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = (item as Obj)[method]
      if (op) out.push({ path, method, op, item: item as Obj })
    }
  }
  return out
}

function resolve (doc: Doc, schema: Obj | undefined): Obj | undefined {
  if (schema?.$ref && typeof schema.$ref === 'string') {
    return resolve(doc, (doc.definitions as Obj)?.[schema.$ref.replace('#/definitions/', '')])
  }
  return schema
}

/** Every schema node under `schema`, with a readable location. */
function walk (doc: Doc, schema: Obj | undefined, at: string, visit: (s: Obj, at: string) => void, depth = 0): void {
  const s = resolve(doc, schema)
  if (!s || depth > 20) return
  visit(s, at)
  for (const [name, prop] of Object.entries((s.properties ?? {}) as Obj)) {
    walk(doc, prop, `${at}.${name}`, visit, depth + 1)
  }
  if (s.items) walk(doc, s.items, `${at}[]`, visit, depth + 1)
}

function successSchema (op: Obj): Obj | undefined {
  for (const [status, r] of Object.entries((op.responses ?? {}) as Obj)) if (/^20[01]$/.test(status)) return r.schema
  return undefined
}

export const RULES: Rule[] = [
  {
    name: 'document is Swagger 2.0 with host, basePath and schemes',
    check: doc => [
      ...(doc.swagger !== '2.0' ? ['swagger must be "2.0"'] : []),
      ...(!/^[^{}/ :\\]+(?::\d+)?$/.test(doc.host ?? '')
        ? [`host "${doc.host}" must be a host name without scheme or path`]
        : []),
      ...(!doc.basePath?.startsWith('/') ? ['basePath must start with /'] : []),
      ...(!doc.schemes?.length || doc.schemes.some(s => s !== 'http' && s !== 'https')
        ? ['schemes must be http/https and not empty']
        : []),
    ],
  },
  {
    name: 'info: title up to 30 characters without API/Connector, description 30 to 500 characters',
    check: doc => {
      const out: string[] = []
      const title = doc.info?.title ?? ''
      if (
        title.length === 0 ||
        title.length > 30 ||
        /\b(api|connector)\b/i.test(title) ||
        !/[A-Za-z0-9]$/.test(title)
      ) {
        out.push(`info.title "${title}" is not a valid connector title`)
      }
      const d = doc.info?.description ?? ''
      if (d.length < 30 || d.length > 500) out.push('info.description must be 30 to 500 characters')
      if (!doc.info?.contact?.name || !doc.info.contact.email || !doc.info.contact.url) {
        out.push('info.contact needs name, url and email')
      }
      return out
    },
  },
  {
    name: 'x-ms-connector-metadata has exactly Website, Privacy policy and Categories',
    check: doc => {
      const meta = doc['x-ms-connector-metadata'] as
        Array<{ propertyName: string; propertyValue: string }> | undefined
      const names = (meta ?? []).map(m => m.propertyName).sort()
      const out =
        names.join('|') === ['Categories', 'Privacy policy', 'Website'].join('|')
          ? []
          : ['x-ms-connector-metadata must list Website, Privacy policy and Categories']
      const cats = meta?.find(m => m.propertyName === 'Categories')?.propertyValue.split(';') ?? []
      if (cats.length === 0 || cats.length > 2) out.push('Categories must name one or two categories')
      return out
    },
  },
  {
    name: 'operationIds are present, unique and PascalCase',
    check: doc => {
      const seen = new Set<string>()
      const out: string[] = []
      for (const { path, method, op } of operations(doc)) {
        const id = op.operationId
        if (typeof id !== 'string' || !/^[A-Z][A-Za-z0-9]*$/.test(id)) {
          out.push(`${method.toUpperCase()} ${path}: operationId "${id}" is not PascalCase`)
        } else if (seen.has(id)) out.push(`operationId ${id} is used twice`)
        seen.add(id)
      }
      return out
    },
  },
  {
    name: 'every operation has a summary (80 characters, no slash, ends alphanumeric) and a different description ' +
      'ending in a period',
    check: doc =>
      operations(doc).flatMap(({ op }) => {
        const out: string[] = []
        const s = op.summary ?? ''
        if (!s || s.length > 80 || s.includes('/') || !/[A-Za-z0-9]$/.test(s)) {
          out.push(`${op.operationId}: summary "${s}" is not valid`)
        }
        const d = op.description ?? ''
        if (!d || !d.endsWith('.') || d === s) {
          out.push(`${op.operationId}: description must be a sentence ending in "." and differ from the summary`)
        }
        return out
      }),
  },
  {
    name: 'paths start with /, have no trailing slash and no ?, #, * or =',
    check: doc =>
      Object.keys(doc.paths ?? {}).flatMap(p =>
        !p.startsWith('/') || (p.length > 1 && p.endsWith('/')) || /[?#*=]/.test(p)
          ? [`path "${p}" is not allowed`]
          : []
      ),
  },
  {
    name: 'every parameter has x-ms-summary; path parameters are required and single-encoded; internal required ' +
      'parameters have a default',
    check: doc =>
      operations(doc).flatMap(({ op }) =>
        ((op.parameters ?? []) as Obj[]).flatMap(p => {
          const out: string[] = []
          const where = `${op.operationId}.${p.name}`
          if (!p['x-ms-summary']) out.push(`${where}: no x-ms-summary`)
          if (p.in === 'path' && (p.required !== true || p['x-ms-url-encoding'] !== 'single')) {
            out.push(`${where}: path parameters must be required with x-ms-url-encoding "single"`)
          }
          if (
            p['x-ms-visibility'] === 'internal' &&
            p.required === true &&
            p.default === undefined &&
            p.in !== 'body'
          ) {
            out.push(`${where}: a required internal parameter needs a default`)
          }
          if (p.name === 'connectionId') out.push(`${where}: no parameter may be named connectionId`)
          return out
        })
      ),
  },
  {
    name: 'visible body and response properties have x-ms-summary',
    check: doc =>
      operations(doc).flatMap(({ op }) => {
        const out: string[] = []
        const body = ((op.parameters ?? []) as Obj[]).find(p => p.in === 'body')
        const check = (s: Obj, at: string): void => {
          if (at.includes('.') && !at.endsWith('[]') && s['x-ms-visibility'] !== 'internal' && !s['x-ms-summary']) {
            out.push(`${at}: no x-ms-summary`)
          }
        }
        if (body) walk(doc, body.schema, `${op.operationId} body`, check)
        walk(doc, successSchema(op), `${op.operationId} response`, check)
        return out
      }),
  },
  {
    name: 'x-ms-visibility is important, advanced or internal',
    check: doc => {
      const out: string[] = []
      const scan = (v: unknown, at: string): void => {
        if (Array.isArray(v)) {
          v.forEach((x, i) => scan(x, `${at}[${i}]`))
          return
        }
        if (v && typeof v === 'object') {
          for (const [k, x] of Object.entries(v)) {
            if (k === 'x-ms-visibility' && !VISIBILITY.has(x as string)) {
              out.push(`${at}: x-ms-visibility "${String(x)}"`)
            }
            scan(x, `${at}.${k}`)
          }
        }
      }
      scan(doc.paths, 'paths')
      return out
    },
  },
  {
    name: 'GET operations have no body; at most one body parameter',
    check: doc =>
      operations(doc).flatMap(({ method, op }) => {
        const bodies = ((op.parameters ?? []) as Obj[]).filter(p => p.in === 'body' || p.in === 'formData')
        return (method === 'get' && bodies.length > 0) || bodies.length > 1
          ? [`${op.operationId}: body parameters not allowed here`]
          : []
      }),
  },
  {
    name: 'successful responses: 200/201 carry a schema, 204 none, no schema on default',
    check: doc =>
      operations(doc).flatMap(({ op }) => {
        const out: string[] = []
        const statuses = Object.keys(op.responses ?? {})
        if (!statuses.some(s => /^2\d\d$/.test(s))) out.push(`${op.operationId}: no 2xx response`)
        for (const [status, r] of Object.entries((op.responses ?? {}) as Obj)) {
          if ((status === '200' || status === '201') && !r.schema) {
            out.push(`${op.operationId}: ${status} needs a schema`)
          }
          if ((status === 'default' || status === '204') && r.schema) {
            out.push(`${op.operationId}: ${status} must not have a schema`)
          }
          if (!/^2\d\d$/.test(status) && r.schema) {
            out.push(`${op.operationId}: only the success response carries a schema`)
          }
        }
        return out
      }),
  },
  {
    name: 'x-ms-dynamic-values name an existing operation whose response has the collection and value path',
    check: doc => {
      const byId = new Map(operations(doc).map(o => [o.op.operationId as string, o.op]))
      const out: string[] = []
      const checkOne = (dv: Obj, at: string): void => {
        const target = byId.get(dv.operationId)
        if (!target) {
          out.push(`${at}: x-ms-dynamic-values names unknown operation ${dv.operationId}`)
          return
        }
        const schema = resolve(doc, successSchema(target))
        const collection = resolve(doc, schema?.properties?.[dv['value-collection']])
        const items = resolve(doc, collection?.items)
        if (collection?.type !== 'array' || !items?.properties?.[dv['value-path']]) {
          out.push(`${at}: ${dv.operationId} does not return ${dv['value-collection']}[].${dv['value-path']}`)
        }
        const targetParams = new Set(((target.parameters ?? []) as Obj[]).map(p => p.name))
        for (const name of Object.keys(dv.parameters ?? {})) {
          if (!targetParams.has(name)) out.push(`${at}: ${dv.operationId} has no parameter ${name}`)
        }
      }
      for (const { op } of operations(doc)) {
        for (const p of (op.parameters ?? []) as Obj[]) {
          if (p['x-ms-dynamic-values']) {
            if (p.in === 'body') out.push(`${op.operationId}.${p.name}: put x-ms-dynamic-values in the body schema`)
            if (p['x-ms-visibility'] === 'internal') {
              out.push(`${op.operationId}.${p.name}: a picker on an internal parameter`)
            }
            checkOne(p['x-ms-dynamic-values'], `${op.operationId}.${p.name}`)
          }
          if (p.in === 'body') {
            walk(doc, p.schema, `${op.operationId} body`, (s, at) => {
              if (s['x-ms-dynamic-values']) {
                checkOne(s['x-ms-dynamic-values'], at)
                if (!s['x-ms-dynamic-list']) {
                  out.push(`${at}: a body picker needs x-ms-dynamic-list beside x-ms-dynamic-values`)
                }
              }
            })
          }
        }
      }
      return out
    },
  },
  {
    name: 'webhook triggers are well-formed',
    check: doc => {
      const out: string[] = []
      for (const { path, method, op, item } of operations(doc)) {
        if (!op['x-ms-trigger']) continue
        const id = op.operationId
        if (!['single', 'batch'].includes(op['x-ms-trigger'])) out.push(`${id}: x-ms-trigger must be single or batch`)
        if (method !== 'post') out.push(`${id}: a webhook trigger subscribes with POST`)
        if (!op['x-ms-trigger-hint']) out.push(`${id}: no x-ms-trigger-hint`)
        if (!/^When /.test(op.summary ?? '')) out.push(`${id}: a trigger summary reads "When ..."`)
        const created = op.responses?.['201']
        if (!created?.headers?.location && !created?.headers?.Location) {
          out.push(`${id}: must answer 201 with a Location header`)
        }
        if (!item['x-ms-notification-content']?.schema) out.push(`${path}: no x-ms-notification-content schema`)
        const body = ((op.parameters ?? []) as Obj[]).find(p => p.in === 'body')
        const schema = resolve(doc, body?.schema)
        const urls = Object.entries((schema?.properties ?? {}) as Obj).filter(
          ([, s]) => s['x-ms-notification-url'] === true
        )
        if (urls.length !== 1) out.push(`${id}: exactly one body property must have x-ms-notification-url`)
        for (const [name, s] of urls) {
          if (
            s.type !== 'string' ||
            s['x-ms-visibility'] !== 'internal' ||
            !(schema?.required ?? []).includes(name) ||
            body?.required !== true
          ) {
            out.push(`${id}: ${name} must be a required internal string`)
          }
        }
      }
      const unsubscribe = operations(doc).find(o => o.op.operationId === 'DeleteWebhook')
      if (operations(doc).some(o => o.op['x-ms-trigger']) && unsubscribe?.op['x-ms-visibility'] !== 'internal') {
        out.push('the unsubscribe operation (DeleteWebhook) must be internal')
      }
      return out
    },
  },
  {
    name: 'the definition is under 1 MB',
    check: doc =>
      Buffer.byteLength(JSON.stringify(doc, null, 2)) < 1024 * 1024 ? [] : ['the definition is 1 MB or more'],
  },
]

export function checkDefinition (doc: OpenAPIV2.Document): string[] {
  return RULES.flatMap(r => r.check(doc as Doc).map(v => `[${r.name}] ${v}`))
}
