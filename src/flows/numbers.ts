/**
 * The expression language's numbers, as Logic Apps has them: 64-bit integers, doubles ("float") and .NET
 * decimals, kept apart. JavaScript has one number type, so the two cases it cannot tell apart are boxed: a
 * float whose value is whole (`5.0`, `mul(1.5, 2)`) is a Float, an integer beyond 2^53 a BigInteger; a
 * decimal is a DecimalNumber over decimal.js. Every other number is a plain JS number: whole and safe means
 * integer, anything else float. The boxes write themselves to JSON as numbers (toJSON) and to text as .NET does.
 */
import { Decimal } from 'decimal.js'
import { ValueError } from './errors.js'

/** .NET's System.Decimal: 28 significant digits after division, banker's rounding. */
export const Dec = Decimal.clone({ precision: 28, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -30, toExpPos: 30 })
export type Dec = Decimal

const INT64_MIN = -(2n ** 63n)
const INT64_MAX = 2n ** 63n - 1n
const DECIMAL_MAX = new Dec('79228162514264337593543950335')

export class NumberError extends ValueError {
  override name = 'NumberError'
}

/** A float whose value is a whole number (5.0): a plain 5 would be an integer. */
export class Float {
  constructor (readonly value: number) {}
  valueOf (): number {
    return this.value
  }

  toJSON (): number {
    return this.value
  }

  toString (): string {
    return formatDouble(this.value)
  }
}

/** An integer outside JavaScript's safe range (|n| > 2^53 - 1), within Int64. */
export class BigInteger {
  constructor (readonly value: bigint) {}
  valueOf (): number {
    return Number(this.value)
  }

  toJSON (): number {
    return Number(this.value)
  }

  toString (): string {
    return this.value.toString()
  }
}

/** A .NET decimal: the value and its scale (decimal('1.50') keeps two places, as .NET prints it). */
export class DecimalNumber {
  constructor (
    readonly value: Dec,
    readonly scale: number
  ) {}

  valueOf (): number {
    return this.value.toNumber()
  }

  // Used where a number is written as JSON, Logic Apps writes the double nearest the decimal (the reference's
  // "decimal('1.2345678912312131') returns 1.234567891231213" when the result is used as a number).
  toJSON (): number {
    return this.value.toNumber()
  }

  toString (): string {
    return this.value.toFixed(this.scale)
  }
}

export type Num = { k: 'int'; v: bigint } | { k: 'float'; v: number } | { k: 'decimal'; v: Dec; scale: number }

/** The number a value is, or undefined for anything else (strings are never numbers here). */
export function asNum (v: unknown): Num | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? { k: 'int', v: BigInt(v) } : { k: 'float', v }
  if (v instanceof Float) return { k: 'float', v: v.value }
  if (v instanceof BigInteger) return { k: 'int', v: v.value }
  if (v instanceof DecimalNumber) return { k: 'decimal', v: v.value, scale: v.scale }
  return undefined
}

/** An integer value: a plain number when it is safe, else boxed; outside Int64 it is an overflow. */
export function intValue (b: bigint): number | BigInteger {
  if (b < INT64_MIN || b > INT64_MAX) throw new NumberError('The result is outside the range of a 64-bit integer.')
  return b >= -(2n ** 53n) + 1n && b <= 2n ** 53n - 1n ? Number(b) : new BigInteger(b)
}

/** A float value; never NaN or Infinity (Logic Apps has no such numbers in JSON). */
export function floatValue (n: number): number | Float {
  if (!Number.isFinite(n)) throw new NumberError('The result is not a finite number.')
  if (Object.is(n, -0)) return new Float(0)
  return Number.isSafeInteger(n) ? new Float(n) : n
}

export function decimalValue (d: Dec, scale: number): DecimalNumber {
  if (d.abs().gt(DECIMAL_MAX)) throw new NumberError('The result is outside the range of a decimal.')
  const places = Math.min(28, Math.max(scale, 0))
  const rounded = d.toDecimalPlaces(places, Decimal.ROUND_HALF_EVEN)
  return new DecimalNumber(rounded.isZero() ? new Dec(0) : rounded, places)
}

const toFloat = (n: Num): number => (n.k === 'float' ? n.v : Number(n.k === 'int' ? n.v : n.v.toNumber()))
const toDec = (n: Num): Dec => (n.k === 'decimal' ? n.v : n.k === 'int' ? new Dec(n.v.toString()) : new Dec(n.v))
const scaleOf = (n: Num): number => (n.k === 'decimal' ? n.scale : n.k === 'int' ? 0 : Math.max(0, -new Dec(n.v).e))

export type Op = 'add' | 'sub' | 'mul' | 'div' | 'mod'

/**
 * Arithmetic with Logic Apps' types: integer with integer stays integer (div truncates, mod takes the sign of
 * the dividend), a float makes the result float ("div(11, 5.0)" is 2.2), a decimal makes it decimal.
 */
export function arith (op: Op, a: Num, b: Num): unknown {
  const zero = b.k === 'int' ? b.v === 0n : b.k === 'float' ? b.v === 0 : b.v.isZero()
  if ((op === 'div' || op === 'mod') && zero) throw new NumberError('The divisor must not be zero.')
  if (a.k === 'decimal' || b.k === 'decimal') {
    const x = toDec(a)
    const y = toDec(b)
    const sa = scaleOf(a)
    const sb = scaleOf(b)
    switch (op) {
      case 'add':
        return decimalValue(x.plus(y), Math.max(sa, sb))
      case 'sub':
        return decimalValue(x.minus(y), Math.max(sa, sb))
      case 'mul':
        return decimalValue(x.times(y), sa + sb)
      case 'div': {
        const q = x.div(y)
        return decimalValue(q, Math.max(0, q.decimalPlaces()))
      }
      case 'mod':
        return decimalValue(x.mod(y), Math.max(sa, sb))
    }
  }
  if (a.k === 'float' || b.k === 'float') {
    const x = toFloat(a)
    const y = toFloat(b)
    return floatValue(
      op === 'add' ? x + y : op === 'sub' ? x - y : op === 'mul' ? x * y : op === 'div' ? x / y : x % y
    )
  }
  const x = a.v as bigint
  const y = b.v as bigint
  return intValue(op === 'add' ? x + y : op === 'sub' ? x - y : op === 'mul' ? x * y : op === 'div' ? x / y : x % y)
}

/** Compares two numbers of any kinds by value. */
export function compareNum (a: Num, b: Num): number {
  if (a.k === 'int' && b.k === 'int') return a.v < b.v ? -1 : a.v > b.v ? 1 : 0
  if (a.k === 'decimal' || b.k === 'decimal') return toDec(a).cmp(toDec(b))
  const x = toFloat(a)
  const y = toFloat(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/**
 * A double as .NET (Core 3.0 and later) writes it: the shortest digits that read back to the same value,
 * in fixed notation for exponents -5 to 14 and as `1.5E+15` / `1E-05` outside.
 */
export function formatDouble (n: number): string {
  if (n === 0) return '0'
  const [mantissa, exp] = n.toExponential().split('e')
  const e = Number(exp)
  if (e > -5 && e < 15) return String(n)
  const digits = mantissa.replace(/\.?0+$/, '')
  return `${digits}E${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`
}

/** The text of a number as string() gives it. */
export function formatNum (n: Num): string {
  if (n.k === 'int') return n.v.toString()
  if (n.k === 'float') return formatDouble(n.v)
  return n.v.toFixed(n.scale)
}

/** A number as Newtonsoft.Json writes it in JSON text: floats keep a decimal point ("3.0"). */
export function jsonNumber (n: Num): string {
  if (n.k !== 'float') return formatNum(n)
  const s = formatDouble(n.v)
  return /[.E]/.test(s) ? s : `${s}.0`
}

/** Number symbols of a culture, read from Intl. */
export interface NumberSymbols {
  decimal: string
  group: string
  minus: string
  plus: string
}

/** .NET's Parse(s, NumberStyles.Any): white space, a leading or trailing sign, group separators, exponent. */
export function parseDotNetNumber (s: string, sym: NumberSymbols): { value: Dec; places: number } | undefined {
  let t = s.trim()
  if (t === '') return undefined
  let negative = false
  let signed = false
  const takeSign = (at: 'start' | 'end'): void => {
    for (const [sign, neg] of [
      [sym.minus, true],
      ['-', true],
      [sym.plus, false],
      ['+', false],
    ] as Array<[string, boolean]>) {
      if (at === 'start' ? t.startsWith(sign) : t.endsWith(sign)) {
        if (signed) return
        signed = true
        negative = neg
        t = (at === 'start' ? t.slice(sign.length) : t.slice(0, -sign.length)).trim()
        return
      }
    }
  }
  if (t.startsWith('(') && t.endsWith(')')) {
    negative = true
    signed = true
    t = t.slice(1, -1).trim()
  }
  takeSign('start')
  takeSign('end')
  let intDigits = ''
  let fracDigits = ''
  let i = 0
  const isDigit = (c: string | undefined): boolean => c !== undefined && c >= '0' && c <= '9'
  // Group separators may stand anywhere among the integer digits (.NET accepts '12,3,4,5678').
  while (i < t.length) {
    if (isDigit(t[i])) intDigits += t[i++]
    else if (sym.group && t.startsWith(sym.group, i) && (intDigits !== '' || isDigit(t[i + sym.group.length]))) {
      i += sym.group.length
    } else break
  }
  if (t.startsWith(sym.decimal, i)) {
    i += sym.decimal.length
    while (isDigit(t[i])) fracDigits += t[i++]
  }
  if (intDigits === '' && fracDigits === '') return undefined
  let exponent = 0
  if (t[i] === 'e' || t[i] === 'E') {
    const m = /^[eE]([+-]?)(\d+)/.exec(t.slice(i))
    if (!m) return undefined
    exponent = Number(m[2]) * (m[1] === '-' ? -1 : 1)
    i += m[0].length
  }
  if (i !== t.length) return undefined
  const d = new Dec(`${intDigits || '0'}.${fracDigits || '0'}e${exponent}`)
  // The places as written ('1.50' has two), which a decimal keeps.
  return { value: negative ? d.neg() : d, places: Math.max(0, fracDigits.length - exponent) }
}
