/**
 * The values expressions work with, beyond JSON's: the numbers of numbers.ts and binary content. Here are
 * the conversions every function shares: a value's type name as Logic Apps reports it, its text (string()),
 * its JSON text (as Newtonsoft.Json writes it), JSON parsed keeping integers, floats and big integers apart,
 * and equality.
 */
import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json'
import {
  asNum,
  compareNum,
  floatValue,
  formatNum,
  intValue,
  jsonNumber,
} from './numbers.js'

/**
 * Binary content: what binary(), base64ToBinary(), dataUriToBinary() and xml() return. In JSON it is Logic
 * Apps' content envelope `{"$content-type", "$content"}` (base64); as text, its bytes decoded.
 */
export class Content {
  constructor (
    readonly contentType: string,
    readonly bytes: Buffer
  ) {}

  toJSON (): Record<string, string> {
    return { '$content-type': this.contentType, $content: this.bytes.toString('base64') }
  }

  text (): string {
    const charset = /charset=([^;]+)/i.exec(this.contentType)?.[1]?.trim().toLowerCase()
    const enc: BufferEncoding =
      charset === 'utf-16' || charset === 'utf-16le'
        ? 'utf16le'
        : charset === 'latin1' || charset === 'iso-8859-1'
          ? 'latin1'
          : 'utf8'
    return this.bytes.toString(enc)
  }

  get isXml (): boolean {
    return /[/+]xml\b/i.test(this.contentType)
  }
}

export const XML_CONTENT_TYPE = 'application/xml;charset=utf-8'

/** The content envelope as it comes back from JSON (an earlier action's outputs): `{"$content-type", "$content"}`. */
export function asContent (v: unknown): Content | undefined {
  if (v instanceof Content) return v
  if (isObject(v) && typeof v.$content === 'string' && Object.keys(v).every(k => k.startsWith('$'))) {
    const type = typeof v['$content-type'] === 'string' ? v['$content-type'] : 'application/octet-stream'
    return new Content(type, Buffer.from(v.$content, 'base64'))
  }
  return undefined
}

export const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Content) && asNum(v) === undefined

/** The type name Logic Apps' messages use: Integer, Float, Decimal, String, Boolean, Array, Object, Null. */
export function typeName (v: unknown): string {
  if (v === null || v === undefined) return 'Null'
  const n = asNum(v)
  if (n) return n.k === 'int' ? 'Integer' : n.k === 'float' ? 'Float' : 'Decimal'
  if (typeof v === 'string') return 'String'
  if (typeof v === 'boolean') return 'Boolean'
  if (Array.isArray(v)) return 'Array'
  if (v instanceof Content) return 'Binary'
  return 'Object'
}

/** string(): the text of a value, as .NET gives it (True/False, 2.5, 1E+21), objects and arrays as JSON. */
export function toText (v: unknown): string {
  if (v === null || v === undefined) return ''
  if (typeof v === 'string') return v
  if (typeof v === 'boolean') return v ? 'True' : 'False'
  const n = asNum(v)
  if (n) return formatNum(n)
  const c = asContent(v)
  if (c) return c.text()
  return toJsonText(v)
}

const numberStringifiers = [
  { test: (v: unknown): boolean => asNum(v) !== undefined, stringify: (v: unknown) => jsonNumber(asNum(v)!) },
]

/** JSON text as Logic Apps writes it (compact, floats with a decimal point, big integers exactly). */
export function toJsonText (v: unknown): string {
  return stringifyLossless(v, undefined, undefined, numberStringifiers) ?? 'null'
}

/** JSON text parsed as Logic Apps reads it: 5 is an integer, 5.0 and 1e3 floats, big integers exact. */
export function parseJsonText (text: string): unknown {
  try {
    return parseLossless(text, undefined, jsonNumberValue)
  } catch (err) {
    // A repeated key: Newtonsoft keeps the last value, where lossless-json refuses the text.
    if (!/^Duplicate key/.test((err as Error).message)) throw err
    return JSON.parse(text)
  }
}

function jsonNumberValue (s: string): unknown {
  if (/[.eE]/.test(s)) return floatValue(Number(s))
  try {
    return intValue(BigInt(s))
  } catch {
    // Beyond Int64 Newtonsoft reads a BigInteger; the nearest double is the closest this runtime has.
    return floatValue(Number(s))
  }
}

/**
 * equals(): numbers by value whatever their kinds (equals(1, 1.0)), a boolean and a number by value (the
 * reference's equals(true, 1) is true), strings with their case, arrays and objects structurally.
 */
export function looseEquals (a: unknown, b: unknown): boolean {
  if (a === undefined) a = null
  if (b === undefined) b = null
  const x = typeof a === 'boolean' ? asNum(Number(a)) : asNum(a)
  const y = typeof b === 'boolean' ? asNum(Number(b)) : asNum(b)
  if (x && y && (typeof a !== 'boolean' || typeof b !== 'boolean')) return compareNum(x, y) === 0
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((v, i) => looseEquals(v, b[i]))
  const ca = asContent(a)
  const cb = asContent(b)
  if (ca && cb) return ca.bytes.equals(cb.bytes)
  if (isObject(a) && isObject(b)) {
    const ka = Object.keys(a)
    const kb = Object.keys(b)
    return ka.length === kb.length && ka.every(k => Object.hasOwn(b, k) && looseEquals(a[k], b[k]))
  }
  return a === b
}

/** A deep copy of a JSON-like value (setProperty and friends never change their input). */
export function copy<T> (v: T): T {
  if (Array.isArray(v)) return v.map(copy) as T
  if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, copy(x)])) as T
  return v
}

/**
 * The types InitializeVariable declares, each as the value a variable of that type holds: a float variable
 * keeps its numbers as floats (5 becomes 5.0, so div() on it divides as floats); undefined when the value is
 * not of the type.
 */
export const VARIABLE_TYPES: Record<string, (v: unknown) => unknown> = {
  string: v => (typeof v === 'string' ? v : undefined),
  integer: v => (asNum(v)?.k === 'int' ? v : undefined),
  float: v => {
    const n = asNum(v)
    if (!n) return undefined
    return n.k === 'float' ? v : floatValue(Number(formatNum(n)))
  },
  boolean: v => (typeof v === 'boolean' ? v : undefined),
  array: v => (Array.isArray(v) ? v : undefined),
  object: v => (isObject(v) ? v : undefined),
}
