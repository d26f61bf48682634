/**
 * The Logic Apps expression language: parsing to a small tree at load time, so bad syntax and unknown
 * functions are found before a flow ever runs. Evaluation lives in evaluate.ts, the functions in functions/.
 */
import { floatValue, intValue } from './numbers.js'

export type Expr =
  | { k: 'lit'; v: unknown }
  | { k: 'call'; name: string; args: Expr[]; at: number }
  | { k: 'get'; target: Expr; key: Expr; safe: boolean }

/** A JSON value with its expressions compiled: what the runner evaluates. */
export type Template =
  | { t: 'value'; v: unknown }
  | { t: 'expr'; e: Expr }
  | { t: 'interp'; parts: Array<string | Expr> }
  | { t: 'array'; items: Template[] }
  | { t: 'object'; entries: Array<[string, Template]> }

export class ExpressionSyntaxError extends Error {
  override name = 'ExpressionSyntaxError'
  constructor (
    message: string,
    readonly source: string,
    readonly at: number
  ) {
    super(`${message} at position ${at + 1} of '${source}'`)
  }
}

type Token = { kind: 'ident' | 'string' | 'number' | 'punct'; text: string; value?: unknown; at: number }

const PUNCT = ['?.', '?[', '(', ')', ',', '[', ']', '.']

function numberLiteral (text: string, src: string, at: number): unknown {
  try {
    return /[.eE]/.test(text) ? floatValue(Number(text)) : intValue(BigInt(text))
  } catch {
    throw new ExpressionSyntaxError(`The number ${text} is out of range`, src, at)
  }
}

function lex (src: string): Token[] {
  const out: Token[] = []
  let i = 0
  while (i < src.length) {
    const c = src[i]
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++
      continue
    }
    if (c === "'") {
      let s = ''
      let j = i + 1
      for (;;) {
        if (j >= src.length) throw new ExpressionSyntaxError('Unterminated string', src, i)
        if (src[j] === "'") {
          if (src[j + 1] === "'") {
            s += "'"
            j += 2
            continue
          }
          break
        }
        s += src[j++]
      }
      out.push({ kind: 'string', text: src.slice(i, j + 1), value: s, at: i })
      i = j + 1
      continue
    }
    // A number: an integer literal is an integer, one with a point or an exponent a float ('.3' included).
    const num = /^[-+]?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?/.exec(src.slice(i))
    const signed = c === '-' || c === '+'
    const prev = out[out.length - 1]
    if (num && (!signed || !prev || (prev.kind === 'punct' && prev.text !== ')'))) {
      if (/^[A-Za-z_$]/.test(src.slice(i + num[0].length))) {
        throw new ExpressionSyntaxError(`Unexpected character '${src[i + num[0].length]}'`, src, i + num[0].length)
      }
      out.push({ kind: 'number', text: num[0], value: numberLiteral(num[0], src, i), at: i })
      i += num[0].length
      continue
    }
    const ident = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i))
    if (ident) {
      out.push({ kind: 'ident', text: ident[0], at: i })
      i += ident[0].length
      continue
    }
    const p = PUNCT.find(p => src.startsWith(p, i))
    if (!p) throw new ExpressionSyntaxError(`Unexpected character '${c}'`, src, i)
    out.push({ kind: 'punct', text: p, at: i })
    i += p.length
  }
  return out
}

/** Parses one expression (the text after `@`, or inside `@{...}`). */
export function parseExpression (src: string): Expr {
  const tokens = lex(src)
  let pos = 0
  const peek = (): Token | undefined => tokens[pos]
  const fail = (message: string): never => {
    throw new ExpressionSyntaxError(message, src, peek()?.at ?? src.length)
  }
  const expect = (text: string): void => {
    if (peek()?.text !== text || peek()?.kind !== 'punct') fail(`Expected '${text}'`)
    pos++
  }

  function primary (): Expr {
    const t = peek()
    if (!t) return fail('Unexpected end of expression')
    pos++
    if (t.kind === 'string' || t.kind === 'number') return { k: 'lit', v: t.value }
    if (t.kind === 'ident') {
      if (t.text === 'true' || t.text === 'false') return { k: 'lit', v: t.text === 'true' }
      if (t.text === 'null') return { k: 'lit', v: null }
      if (peek()?.text !== '(') return fail(`'${t.text}' is not a function call (add parentheses) or a literal`)
      pos++
      const args: Expr[] = []
      if (peek()?.text !== ')') {
        for (;;) {
          args.push(chain())
          if (peek()?.text === ',') {
            pos++
            continue
          }
          break
        }
      }
      expect(')')
      return { k: 'call', name: t.text, args, at: t.at }
    }
    pos--
    return fail(`Unexpected '${t.text}'`)
  }

  function chain (): Expr {
    let e = primary()
    for (;;) {
      const t = peek()
      if (!t || t.kind !== 'punct') return e
      if (t.text === '[' || t.text === '?[') {
        pos++
        const key = chain()
        expect(']')
        e = { k: 'get', target: e, key, safe: t.text === '?[' }
      } else if (t.text === '.' || t.text === '?.') {
        pos++
        const name = peek()
        if (name?.kind !== 'ident') return fail('Expected a property name')
        pos++
        e = { k: 'get', target: e, key: { k: 'lit', v: name.text }, safe: t.text === '?.' }
      } else {
        return e
      }
    }
  }

  const e = chain()
  if (pos < tokens.length) fail(`Unexpected '${tokens[pos].text}'`)
  return e
}

/** Finds the `}` closing an `@{` that starts at `open`, skipping quoted strings. */
function closingBrace (s: string, open: number): number {
  let depth = 0
  let quoted = false
  for (let i = open + 2; i < s.length; i++) {
    const c = s[i]
    if (quoted) {
      if (c === "'") quoted = s[i + 1] === "'" ? (i++, true) : false
      continue
    }
    if (c === "'") quoted = true
    else if (c === '{') depth++
    else if (c === '}') {
      if (depth === 0) return i
      depth--
    }
  }
  throw new ExpressionSyntaxError("Unclosed '@{'", s, open)
}

/** Compiles one JSON string: a whole `@expression`, `@{...}` interpolation, `@@` escape, or plain text. */
export function compileString (s: string): Template {
  // A lone '@' is text, as in Logic Apps (an expression needs at least one character after the '@').
  if (s.length < 2) return { t: 'value', v: s }
  if (s.startsWith('@@')) return { t: 'value', v: s.slice(1) }
  if (s.startsWith('@') && !s.startsWith('@{')) return { t: 'expr', e: parseExpression(s.slice(1)) }
  if (!s.includes('@{')) return { t: 'value', v: s }
  const parts: Array<string | Expr> = []
  let i = 0
  while (i < s.length) {
    const open = s.indexOf('@{', i)
    if (open < 0) {
      parts.push(s.slice(i))
      break
    }
    if (open > 0 && s[open - 1] === '@') {
      parts.push(s.slice(i, open))
      parts.push('{')
      i = open + 2
      continue
    }
    if (open > i) parts.push(s.slice(i, open))
    const close = closingBrace(s, open)
    parts.push(parseExpression(s.slice(open + 2, close)))
    i = close + 1
  }
  return { t: 'interp', parts }
}

/** Compiles any JSON value: strings as above, arrays and objects recursively, everything else as is. */
export function compileTemplate (v: unknown): Template {
  if (typeof v === 'string') return compileString(v)
  if (Array.isArray(v)) return { t: 'array', items: v.map(compileTemplate) }
  if (v !== null && typeof v === 'object') {
    return { t: 'object', entries: Object.entries(v).map(([k, x]) => [k, compileTemplate(x)] as [string, Template]) }
  }
  return { t: 'value', v }
}

/** Every function call in a template, for load-time checks. */
export function * calls (t: Template): Generator<Extract<Expr, { k: 'call' }>> {
  function * walk (e: Expr): Generator<Extract<Expr, { k: 'call' }>> {
    if (e.k === 'call') {
      yield e
      for (const a of e.args) yield * walk(a)
    }
    if (e.k === 'get') {
      yield * walk(e.target)
      yield * walk(e.key)
    }
  }
  if (t.t === 'expr') yield * walk(t.e)
  if (t.t === 'interp') for (const p of t.parts) if (typeof p !== 'string') yield * walk(p)
  if (t.t === 'array') for (const x of t.items) yield * calls(x)
  if (t.t === 'object') for (const [, x] of t.entries) yield * calls(x)
}
