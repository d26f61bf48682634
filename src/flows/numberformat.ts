/**
 * formatNumber(): .NET's numeric format strings, standard (C, D, E, F, G, N, P, R, X with a precision) and
 * custom ('#,##0.00', '0.###E+0', sections with ';'), in a culture's symbols, grouping and currency (culture.ts).
 * Rounding is .NET's for formatting: half away from zero, on the number's shortest decimal digits.
 */
import { Decimal } from 'decimal.js'
import { type Culture } from './culture.js'
import { FormatError } from './errors.js'
import { Dec, formatDouble, type Num } from './numbers.js'

export class NumberFormatError extends FormatError {
  override name = 'NumberFormatError'
}

const HALF_UP = Decimal.ROUND_HALF_UP

function toDec (n: Num): Decimal {
  return n.k === 'decimal' ? n.v : n.k === 'int' ? new Dec(n.v.toString()) : new Dec(n.v)
}

/** An absolute value rounded to `places` decimals, as integer digits and fraction digits. */
function fixed (d: Decimal, places: number): { int: string; frac: string } {
  const s = d.abs().toFixed(places, HALF_UP)
  const [int, frac = ''] = s.split('.')
  return { int, frac }
}

const isZero = (digits: { int: string; frac: string }): boolean => /^0*$/.test(digits.int + digits.frac)

function withPattern (pattern: string, number: string): string {
  return pattern.replace('\u0001', number)
}

function standard (n: Num, letter: string, precision: number | undefined, c: Culture): string {
  const d = toDec(n)
  const negative = d.isNegative() && !d.isZero()
  const upper = letter === letter.toUpperCase()
  switch (letter.toUpperCase()) {
    case 'C': {
      const digits = fixed(d, precision ?? c.currencyDigits)
      const text = c.groupDigits(digits.int) + (digits.frac ? c.decimal + digits.frac : '')
      return withPattern(c.currencyPattern(negative && !isZero(digits)), text)
    }
    case 'D': {
      if (n.k !== 'int') throw new NumberFormatError(`'${letter}' applies to integers only.`)
      const digits = (n.v < 0n ? -n.v : n.v).toString().padStart(precision ?? 0, '0')
      return (n.v < 0n ? c.minus : '') + digits
    }
    case 'E': {
      const p = precision ?? 6
      if (d.isZero()) return `0${p > 0 ? c.decimal + '0'.repeat(p) : ''}${upper ? 'E' : 'e'}+000`
      const [mantissa, exp] = d.abs().toExponential(p, HALF_UP).split('e')
      const e = Number(exp)
      return (
        (negative ? c.minus : '') +
        mantissa.replace('.', c.decimal) +
        (upper ? 'E' : 'e') +
        (e < 0 ? '-' : '+') +
        String(Math.abs(e)).padStart(3, '0')
      )
    }
    case 'F':
    case 'N': {
      const digits = fixed(d, precision ?? 2)
      const int = letter.toUpperCase() === 'N' ? c.groupDigits(digits.int) : digits.int
      return (negative && !isZero(digits) ? c.minus : '') + int + (digits.frac ? c.decimal + digits.frac : '')
    }
    case 'P': {
      const digits = fixed(d.times(100), precision ?? 2)
      const text = c.groupDigits(digits.int) + (digits.frac ? c.decimal + digits.frac : '')
      return withPattern(c.percentPattern(negative && !isZero(digits)), text)
    }
    case 'G':
      return general(n, d, precision, upper, c)
    case 'R':
      if (n.k === 'float') return localize(formatDouble(n.v), c)
      return localize(n.k === 'int' ? n.v.toString() : n.v.toString(), c)
    case 'X': {
      if (n.k !== 'int') throw new NumberFormatError(`'${letter}' applies to integers only.`)
      const v = n.v < 0n ? (1n << 64n) + n.v : n.v
      const hex = v.toString(16).padStart(precision ?? 0, '0')
      return upper ? hex.toUpperCase() : hex
    }
  }
  throw new NumberFormatError(`'${letter}' is not a standard numeric format specifier.`)
}

function localize (invariant: string, c: Culture): string {
  return invariant.replace('-', c.minus).replace('.', c.decimal)
}

/** 'G': the shortest form for a plain 'G', else `precision` significant digits, scientific past them. */
function general (n: Num, d: Decimal, precision: number | undefined, upper: boolean, c: Culture): string {
  if (!precision) {
    if (n.k === 'float') return localize(formatDouble(n.v), c).replace('E', upper ? 'E' : 'e')
    return localize(n.k === 'int' ? n.v.toString() : d.toString(), c)
  }
  if (d.isZero()) return '0'
  const rounded = d.toSignificantDigits(precision, HALF_UP)
  const e = rounded.e
  if (e >= precision || e < -5) {
    const [mantissa, exp] = rounded.toExponential().split('e')
    const m = mantissa.includes('.') ? mantissa.replace(/\.?0+$/, '') : mantissa
    const x = Number(exp)
    return localize(m, c) + (upper ? 'E' : 'e') + (x < 0 ? '-' : '+') + String(Math.abs(x)).padStart(2, '0')
  }
  return localize(rounded.toFixed(), c)
}

/** Splits a custom format into sections at unquoted ';'. */
function sections (format: string): string[] {
  const out = ['']
  for (let i = 0; i < format.length; i++) {
    const ch = format[i]
    if (ch === '\\') {
      out[out.length - 1] += ch + (format[i + 1] ?? '')
      i++
    } else if (ch === "'" || ch === '"') {
      const end = format.indexOf(ch, i + 1)
      const stop = end < 0 ? format.length : end
      out[out.length - 1] += format.slice(i, stop + 1)
      i = stop
    } else if (ch === ';') out.push('')
    else out[out.length - 1] += ch
  }
  return out
}

type Item =
  | { t: 'digit'; zero: boolean }
  | { t: 'point' }
  | { t: 'group' }
  | { t: 'lit'; s: string }
  | { t: 'exp'; text: string; sign: boolean; digits: number }
  | { t: 'percent'; s: string; by: number }

function items (section: string): Item[] {
  const out: Item[] = []
  for (let i = 0; i < section.length; i++) {
    const ch = section[i]
    if (ch === '0' || ch === '#') out.push({ t: 'digit', zero: ch === '0' })
    else if (ch === '.') out.push({ t: 'point' })
    else if (ch === ',') out.push({ t: 'group' })
    else if (ch === '%' || ch === '\u2030') out.push({ t: 'percent', s: ch, by: ch === '%' ? 100 : 1000 })
    else if ((ch === 'E' || ch === 'e') && /^[eE][+-]?0/.test(section.slice(i))) {
      const m = /^[eE]([+-]?)(0+)/.exec(section.slice(i))!
      out.push({ t: 'exp', text: ch, sign: m[1] === '+', digits: m[2].length })
      i += m[0].length - 1
    } else if (ch === '\\') {
      out.push({ t: 'lit', s: section[i + 1] ?? '' })
      i++
    } else if (ch === "'" || ch === '"') {
      const end = section.indexOf(ch, i + 1)
      const stop = end < 0 ? section.length : end
      out.push({ t: 'lit', s: section.slice(i + 1, stop) })
      i = stop
    } else out.push({ t: 'lit', s: ch })
  }
  return out
}

function custom (n: Num, format: string, c: Culture): string {
  const all = sections(format)
  let d = toDec(n)
  const negative = d.isNegative() && !d.isZero()
  let section = all[0]
  let signed = true
  if (negative && all.length >= 2 && all[1] !== '') {
    section = all[1]
    signed = false
  }
  const its = items(section)
  const pointAt = its.findIndex(x => x.t === 'point')
  const intItems = pointAt < 0 ? its : its.slice(0, pointAt)
  const fracItems = pointAt < 0 ? [] : its.slice(pointAt + 1)
  const expItem = its.find((x): x is Extract<Item, { t: 'exp' }> => x.t === 'exp')
  for (const x of its) if (x.t === 'percent') d = d.times(x.by)
  // Commas just left of the point (or of the end) divide by 1000 each; a comma between digits groups.
  const lastDigit = intItems.map(x => x.t).lastIndexOf('digit')
  let scaling = 0
  for (let k = intItems.length - 1; k > lastDigit; k--) if (intItems[k].t === 'group') scaling++
  d = d.div(new Dec(1000).pow(scaling))
  const grouping = intItems.some(
    (x, k) => x.t === 'group' && k < lastDigit && intItems.slice(0, k).some(y => y.t === 'digit')
  )
  const intPlaces = intItems.filter(x => x.t === 'digit')
  const fracPlaces = fracItems.filter((x): x is Extract<Item, { t: 'digit' }> => x.t === 'digit')
  const maxFrac = fracPlaces.length
  const minFrac = fracPlaces.map(x => x.zero).lastIndexOf(true) + 1
  let exponent = 0
  if (expItem && !d.isZero()) {
    exponent = d.abs().e - Math.max(1, intPlaces.length) + 1
    d = d.div(new Dec(10).pow(exponent))
  }
  const digits = fixed(d, maxFrac)
  if (zeroSection(all, digits)) return custom({ k: 'int', v: 0n }, all[2], c)
  const firstZero = intItems.findIndex(x => x.t === 'digit' && x.zero)
  const minInt = firstZero < 0 ? 0 : intItems.slice(firstZero).filter(x => x.t === 'digit').length
  let intDigits = digits.int.replace(/^0+/, '')
  if (intDigits.length < minInt) intDigits = intDigits.padStart(minInt, '0')
  const frac = digits.frac.slice(0, Math.max(minFrac, digits.frac.replace(/0+$/, '').length))
  // The integer part: digits fill the placeholders from the right; what is left over goes before the first.
  let intOut = ''
  if (grouping) {
    const grouped = intDigits === '' ? '' : c.groupDigits(intDigits)
    let placed = false
    for (const x of intItems) {
      if (x.t === 'digit' || x.t === 'group') {
        if (!placed) intOut += grouped
        placed = true
      } else intOut += x.t === 'exp' ? exponentText(x, exponent) : render(x, c)
    }
  } else {
    let rest = intDigits
    const parts: string[] = []
    const digitCount = intPlaces.length
    let seen = 0
    for (let k = intItems.length - 1; k >= 0; k--) {
      const x = intItems[k]
      if (x.t === 'digit') {
        seen++
        let take = rest.slice(-1)
        rest = rest.slice(0, -1)
        if (seen === digitCount) {
          take = rest + take
          rest = ''
        }
        parts.unshift(take)
      } else if (x.t !== 'group') parts.unshift(x.t === 'exp' ? exponentText(x, exponent) : render(x, c))
    }
    intOut = (digitCount === 0 ? intDigits : '') + parts.join('')
  }
  let fracOut = ''
  let used = 0
  for (const x of fracItems) {
    if (x.t === 'digit') {
      if (used < frac.length) fracOut += frac[used]
      used++
    } else if (x.t === 'exp') fracOut += exponentText(x, exponent)
    else if (x.t !== 'group') fracOut += render(x, c)
  }
  const body = intOut + (frac.length > 0 ? c.decimal : '') + fracOut
  const zero = isZero(digits)
  return (negative && signed && !zero ? c.minus : '') + body
}

function zeroSection (all: string[], digits: { int: string; frac: string }): boolean {
  return all.length >= 3 && isZero(digits)
}

function exponentText (x: Extract<Item, { t: 'exp' }>, e: number): string {
  return x.text + (e < 0 ? '-' : x.sign ? '+' : '') + String(Math.abs(e)).padStart(x.digits, '0')
}

function render (x: Item, c: Culture): string {
  if (x.t === 'lit') return x.s
  if (x.t === 'percent') return x.s === '%' ? c.percent : x.s
  if (x.t === 'exp') return ''
  return ''
}

/** Formats a number with a .NET numeric format string in a culture. */
export function formatDotNet (n: Num, format: string, c: Culture): string {
  const std = /^([A-Za-z])(\d{0,9})$/.exec(format)
  if (std) return standard(n, std[1], std[2] === '' ? undefined : Number(std[2]), c)
  return custom(n, format, c)
}
