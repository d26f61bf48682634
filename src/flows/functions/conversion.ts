/**
 * Conversion functions: int, float, decimal, string, bool, json, array, base64 and binary content, data URIs,
 * URI components, isInt, isFloat. Binary results are Content (JSON: Logic Apps' `{"$content-type", "$content"}`).
 */
import { culture } from '../culture.js'
import { asNum, Dec, decimalValue, floatValue, intValue, type NumberSymbols, parseDotNetNumber } from '../numbers.js'
import { Content, parseJsonText, toText } from '../values.js'
import { xmlToJson } from '../xml.js'
import { type Args, def, type Family } from './context.js'

const OCTET = 'application/octet-stream'

/** The bytes a value stands for: binary content as is, anything else as its text in UTF-8. */
export function bytesOf (v: unknown, a: Args): Buffer {
  const c = a.content(0)
  if (c) return c.bytes
  return Buffer.from(toText(v), 'utf8')
}

function base64Bytes (a: Args, i: number): Buffer {
  const s = a.str(i).replace(/\s+/g, '')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(s) || s.length % 4 === 1) {
    throw a.fail(
      'was invoked with a parameter that is not valid. The value cannot be decoded from base64 representation.'
    )
  }
  return Buffer.from(s, 'base64')
}

/** .NET's Uri.EscapeDataString: everything but A-Z a-z 0-9 - _ . ~ is escaped. */
export function escapeData (s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, c => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** .NET's Uri.UnescapeDataString: escapes that do not decode are left as they are, never an error. */
export function unescapeData (s: string): string {
  return s.replace(/(%[0-9A-Fa-f]{2})+/g, run => {
    try {
      return decodeURIComponent(run)
    } catch {
      return run.replace(/%([0-9A-Fa-f]{2})/g, (m, h) =>
        Number.parseInt(h, 16) < 0x80 ? String.fromCharCode(Number.parseInt(h, 16)) : m
      )
    }
  })
}

/** RFC 2397: data:[<mediatype>][;base64],<data> */
function dataUri (a: Args): Content {
  const s = a.str(0)
  const m = /^data:([^,]*?)(;base64)?,(.*)$/is.exec(s)
  if (!m) throw a.fail('was invoked with a parameter that is not a valid data URI.')
  const type = m[1] === '' ? 'text/plain;charset=US-ASCII' : m[1]
  if (m[2]) {
    const b64 = m[3].replace(/\s+/g, '')
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
      throw a.fail('was invoked with a data URI whose base64 content is not ' +
      'valid.')
    }
    return new Content(type, Buffer.from(b64, 'base64'))
  }
  return new Content(type, Buffer.from(unescapeData(m[3]), 'utf8'))
}

const symbolsOf = (a: Args, i: number): NumberSymbols => culture(a.optStr(i))

function parseFloatArg (a: Args): number | undefined {
  const v = a.any(0)
  const n = asNum(v)
  if (n) return n.k === 'float' ? n.v : Number(n.k === 'int' ? n.v : n.v.toNumber())
  if (typeof v !== 'string') throw a.bad(0, 'a string or a number')
  const parsed = parseDotNetNumber(v, symbolsOf(a, 1))
  if (!parsed) return undefined
  const f = parsed.value.toNumber()
  return Number.isFinite(f) ? f : undefined
}

function parseIntText (s: string): bigint | undefined {
  const m = /^\s*([+-]?)(\d+)\s*$/.exec(s)
  if (!m) return undefined
  const b = BigInt(m[2]) * (m[1] === '-' ? -1n : 1n)
  return b >= -(2n ** 63n) && b < 2n ** 63n ? b : undefined
}

const notConvertible = (a: Args): Error =>
  a.fail('was invoked with a parameter that is not valid. The value cannot be converted to the target type.')

export const conversion: Family = {
  int: def(1, 1, a => {
    const v = a.any(0)
    const n = asNum(v)
    if (n?.k === 'int') return v
    // Convert.ToInt64 of a float or decimal rounds half to even.
    if (n) {
      const d = n.k === 'float' ? new Dec(n.v) : n.v
      return intValue(BigInt(d.toDecimalPlaces(0, Dec.ROUND_HALF_EVEN).toFixed()))
    }
    if (typeof v === 'boolean') return v ? 1 : 0
    if (typeof v !== 'string') throw a.bad(0, 'a string or a number')
    const b = parseIntText(v)
    if (b === undefined) throw notConvertible(a)
    return intValue(b)
  }),
  float: def(1, 2, a => {
    const f = parseFloatArg(a)
    if (f === undefined) throw notConvertible(a)
    return floatValue(f)
  }),
  decimal: def(1, 1, a => {
    const v = a.any(0)
    const n = asNum(v)
    if (n) {
      return n.k === 'decimal'
        ? v
        : decimalValue(
          n.k === 'int' ? new Dec(n.v.toString()) : new Dec(n.v),
          n.k === 'int' ? 0 : Math.max(0, new Dec(n.v).decimalPlaces())
        )
    }
    if (typeof v !== 'string') throw a.bad(0, 'a string or a number')
    const parsed = parseDotNetNumber(v, culture())
    if (!parsed) throw notConvertible(a)
    return decimalValue(parsed.value, parsed.places)
  }),
  isInt: def(1, 1, a => parseIntText(a.str(0)) !== undefined),
  isFloat: def(1, 2, a => {
    a.str(0)
    return parseFloatArg(a) !== undefined
  }),
  string: def(1, 1, a => toText(a.any(0))),
  bool: def(1, 1, a => {
    const v = a.any(0)
    if (typeof v === 'boolean') return v
    const n = asNum(v)
    if (n) return n.k === 'int' ? n.v !== 0n : n.k === 'float' ? n.v !== 0 : !n.v.isZero()
    if (typeof v === 'string' && /^\s*(true|false)\s*$/i.test(v)) return v.trim().toLowerCase() === 'true'
    throw notConvertible(a)
  }),
  json: def(1, 1, a => {
    const v = a.any(0)
    // As the reference says: json() of null is an empty object.
    if (v === null || v === undefined) return {}
    const c = a.content(0)
    if (c) return c.isXml ? xmlToJson(c.text()) : parseJson(a, c.text())
    if (typeof v !== 'string') return v
    return parseJson(a, v)
  }),
  array: def(1, 1, a => [a.any(0)]),
  base64: def(1, 1, a => bytesOf(a.any(0), a).toString('base64')),
  encodeBase64: def(1, 1, a => bytesOf(a.any(0), a).toString('base64')),
  base64ToString: def(1, 1, a => a.content(0)?.text() ?? base64Bytes(a, 0).toString('utf8')),
  decodeBase64: def(1, 1, a => a.content(0)?.text() ?? base64Bytes(a, 0).toString('utf8')),
  base64ToBinary: def(1, 1, a => new Content(OCTET, base64Bytes(a, 0))),
  binary: def(1, 1, a => new Content(OCTET, bytesOf(a.any(0), a))),
  dataUri: def(1, 1, a => {
    const c = a.content(0)
    if (c) return `data:${c.contentType};base64,${c.bytes.toString('base64')}`
    return `data:text/plain;charset=utf-8;base64,${Buffer.from(toText(a.any(0)), 'utf8').toString('base64')}`
  }),
  dataUriToBinary: def(1, 1, a => dataUri(a)),
  decodeDataUri: def(1, 1, a => dataUri(a)),
  dataUriToString: def(1, 1, a => dataUri(a).text()),
  encodeUriComponent: def(1, 1, a => escapeData(toText(a.any(0)))),
  uriComponent: def(1, 1, a => escapeData(toText(a.any(0)))),
  decodeUriComponent: def(1, 1, a => unescapeData(a.str(0))),
  uriComponentToString: def(1, 1, a => unescapeData(a.str(0))),
  uriComponentToBinary: def(1, 1, a => new Content(OCTET, Buffer.from(unescapeData(a.str(0)), 'utf8'))),
}

function parseJson (a: Args, text: string): unknown {
  try {
    return parseJsonText(text)
  } catch (err) {
    throw a.fail(
      `parameter is not valid. The provided value '${text.length > 80 ? `${text.slice(0, 77)}...` : text}' cannot be ` +
        `parsed: ${(err as Error).message}`
    )
  }
}
