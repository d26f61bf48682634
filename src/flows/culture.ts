/**
 * Cultures ("en-US", "fr-FR", "is-IS") as .NET sees them, read from Intl (ICU's CLDR data, which .NET uses on
 * ICU platforms): number symbols, the default currency of the culture's region (CLDR's currency data), date
 * names and the standard date patterns. Nothing here is a hand-written table of a culture.
 */
import { createRequire } from 'node:module'
import { LocaleError } from './errors.js'

export class CultureError extends LocaleError {
  override name = 'CultureError'
}

const require = createRequire(import.meta.url)
const currencyData = require('cldr-core/supplemental/currencyData.json') as {
  supplemental: {
    currencyData: {
      region: Record<string, Array<Record<string, { _from?: string; _to?: string; _tender?: string }>>>
    }
  }
}

const cache = new Map<string, Culture>()

/** The culture for a locale name; the default (no locale) is en-US, as Logic Apps uses. */
export function culture (name?: string): Culture {
  const key = (name ?? 'en-US').toLowerCase()
  let c = cache.get(key)
  if (!c) {
    c = new Culture(name ?? 'en-US')
    cache.set(key, c)
  }
  return c
}

// The probe instant for deriving patterns: every field distinguishable (2001-02-03 04:05:06, a Saturday).
const PROBE = new Date(Date.UTC(2001, 1, 3, 4, 5, 6))

type Part = Intl.DateTimeFormatPart

export class Culture {
  readonly locale: string
  readonly decimal: string
  readonly group: string
  readonly minus: string
  readonly plus: string
  readonly percent: string
  private memo = new Map<string, unknown>()

  constructor (name: string) {
    let canonical: string[]
    try {
      canonical = Intl.getCanonicalLocales(name)
    } catch {
      throw new CultureError(`The provided locale '${name}' is not valid.`)
    }
    if (canonical.length !== 1 || Intl.NumberFormat.supportedLocalesOf(canonical).length === 0) {
      throw new CultureError(`The provided locale '${name}' is not valid.`)
    }
    this.locale = canonical[0]
    const parts = new Intl.NumberFormat(this.locale, { useGrouping: true }).formatToParts(-1234567.5)
    const part = (t: string, dflt: string): string => parts.find(p => p.type === t)?.value ?? dflt
    this.decimal = part('decimal', '.')
    this.group = nbsp(part('group', ','))
    this.minus = part('minusSign', '-')
    this.plus =
      new Intl.NumberFormat(this.locale, { signDisplay: 'always' }).formatToParts(1).find(p => p.type === 'plusSign')
        ?.value ?? '+'
    this.percent =
      new Intl.NumberFormat(this.locale, { style: 'percent' }).formatToParts(1).find(p => p.type === 'percentSign')
        ?.value ?? '%'
  }

  private once<T>(key: string, make: () => T): T {
    if (!this.memo.has(key)) this.memo.set(key, make())
    return this.memo.get(key) as T
  }

  /** The culture's currency: its region's tender currency today (en-US: USD, is-IS: ISK). */
  get currency (): string {
    return this.once('currency', () => {
      const region = new Intl.Locale(this.locale).maximize().region ?? 'US'
      const entries = currencyData.supplemental.currencyData.region[region] ?? []
      for (const e of entries) {
        const [[code, info]] = Object.entries(e)
        if (!info._to && info._tender !== 'false') return code
      }
      return 'XXX'
    })
  }

  /** Digits after the point in the culture's currency (USD 2, ISK 0): 'C' without a precision uses them. */
  get currencyDigits (): number {
    return this.once(
      'currencyDigits',
      () =>
        new Intl.NumberFormat(this.locale, { style: 'currency', currency: this.currency }).resolvedOptions()
          .maximumFractionDigits ?? 2
    )
  }

  /** How the culture writes a currency amount ("-$n", "n kr."), the number's place marked by U+0001. */
  currencyPattern (negative: boolean): string {
    return this.once(`cur${negative}`, () =>
      numberPattern(
        new Intl.NumberFormat(this.locale, { style: 'currency', currency: this.currency }).formatToParts(
          negative ? -1 : 1
        )
      )
    )
  }

  percentPattern (negative: boolean): string {
    return this.once(`pct${negative}`, () =>
      numberPattern(new Intl.NumberFormat(this.locale, { style: 'percent' }).formatToParts(negative ? -0.01 : 0.01))
    )
  }

  /** The integer digits with the culture's grouping (sizes and separator), e.g. 1,234,567 or 12,34,567. */
  groupDigits (digits: string): string {
    const f = this.once(
      'grouping',
      () => new Intl.NumberFormat(this.locale, { useGrouping: true, maximumFractionDigits: 0 })
    )
    return f
      .formatToParts(BigInt(digits))
      .map(p => (p.type === 'group' ? this.group : p.type === 'integer' ? p.value : ''))
      .join('')
  }

  // ---------------------------------------------------------------------------------------------- dates

  private names (
    opts: Intl.DateTimeFormatOptions,
    type: 'month' | 'weekday',
    count: number,
    at: (i: number) => Date
  ): string[] {
    const f = new Intl.DateTimeFormat(this.locale, { ...opts, timeZone: 'UTC' })
    return Array.from({ length: count }, (_, i) => f.formatToParts(at(i)).find(p => p.type === type)?.value ?? '')
  }

  /** Month names: full or abbreviated; genitive (as after a day number, "31 января") or standalone. */
  monthNames (abbreviated: boolean, genitive: boolean): string[] {
    return this.once(`months${abbreviated}${genitive}`, () =>
      this.names(
        genitive
          ? { month: abbreviated ? 'short' : 'long', day: 'numeric' }
          : { month: abbreviated ? 'short' : 'long' },
        'month',
        12,
        i => new Date(Date.UTC(2001, i, 15))
      )
    )
  }

  /** Day names from Sunday. */
  dayNames (abbreviated: boolean): string[] {
    return this.once(`days${abbreviated}`, () =>
      // 2001-01-07 is a Sunday.
      this.names({ weekday: abbreviated ? 'short' : 'long' }, 'weekday', 7, i => new Date(Date.UTC(2001, 0, 7 + i)))
    )
  }

  /** AM and PM designators. */
  get designators (): [string, string] {
    return this.once('ampm', () => {
      const f = new Intl.DateTimeFormat(this.locale, { hour: 'numeric', hour12: true, timeZone: 'UTC' })
      const at = (h: number): string =>
        f.formatToParts(new Date(Date.UTC(2001, 0, 1, h))).find(p => p.type === 'dayPeriod')?.value ?? ''
      return [at(4), at(16)]
    })
  }

  get eraName (): string {
    return this.once(
      'era',
      () =>
        new Intl.DateTimeFormat(this.locale, { era: 'short', timeZone: 'UTC' })
          .formatToParts(PROBE)
          .find(p => p.type === 'era')?.value ?? 'A.D.'
    )
  }

  /**
   * A .NET standard date format ('d', 'D', 't', 'T', 'M', 'Y') as a custom pattern for this culture, derived
   * from how Intl formats the probe instant in the matching style.
   */
  datePattern (which: 'd' | 'D' | 't' | 'T' | 'M' | 'Y'): string {
    return this.once(`pattern${which}`, () => {
      const opts: Record<typeof which, Intl.DateTimeFormatOptions> = {
        // .NET on ICU takes ICU's short date and widens a two-digit year (de-DE: dd.MM.yyyy).
        d: { dateStyle: 'short' },
        D: { dateStyle: 'full' },
        t: { timeStyle: 'short' },
        T: { timeStyle: 'medium' },
        M: { month: 'long', day: 'numeric' },
        Y: { year: 'numeric', month: 'long' },
      }
      const f = new Intl.DateTimeFormat(this.locale, { ...opts[which], timeZone: 'UTC' })
      const hour12 = f.resolvedOptions().hour12 ?? false
      return this.toPattern(f.formatToParts(PROBE), hour12, which === 'd')
    })
  }

  get dateSeparator (): string {
    return this.once('dsep', () => {
      const parts = new Intl.DateTimeFormat(this.locale, {
        year: 'numeric',
        month: 'numeric',
        day: 'numeric',
        timeZone: 'UTC',
      }).formatToParts(PROBE)
      return parts.find(p => p.type === 'literal')?.value.trim() || '/'
    })
  }

  get timeSeparator (): string {
    return this.once('tsep', () => {
      const parts = new Intl.DateTimeFormat(this.locale, { timeStyle: 'short', timeZone: 'UTC' }).formatToParts(PROBE)
      const i = parts.findIndex(p => p.type === 'hour')
      return parts[i + 1]?.type === 'literal' ? parts[i + 1].value : ':'
    })
  }

  /** The day/month/year order of the culture's short date, for reading dates written with numbers only. */
  get dateOrder (): Array<'d' | 'M' | 'y'> {
    return this.once('order', () =>
      [...this.datePattern('d')]
        .filter((c): c is 'd' | 'M' | 'y' => c === 'd' || c === 'M' || c === 'y')
        .filter((c, i, all) => all.indexOf(c) === i)
    )
  }

  /** Words of the culture's long date ("de" in Spanish) that a date being read may contain. */
  get dateWords (): string[] {
    return this.once('words', () => {
      const parts = new Intl.DateTimeFormat(this.locale, { dateStyle: 'full', timeZone: 'UTC' }).formatToParts(PROBE)
      return parts
        .filter(p => p.type === 'literal')
        .flatMap(p => p.value.split(/[\s,.]+/))
        .filter(w => /\p{L}/u.test(w))
        .map(w => w.toLowerCase())
    })
  }

  private toPattern (parts: Part[], hour12: boolean, shortDate: boolean): string {
    const months = this.monthNames(false, true)
    const monthsShort = this.monthNames(true, true)
    return parts
      .map(p => {
        switch (p.type) {
          case 'year':
            // .NET widens ICU's two-digit short-date year to four digits.
            return p.value.length === 2 && !shortDate ? 'yy' : 'yyyy'
          case 'month':
            return /^\d+$/.test(p.value)
              ? p.value.length === 2
                ? 'MM'
                : 'M'
              : p.value === months[1]
                ? 'MMMM'
                : p.value === monthsShort[1]
                  ? 'MMM'
                  : 'MMMM'
          case 'day':
            return p.value.length === 2 ? 'dd' : 'd'
          case 'weekday':
            return p.value === this.dayNames(true)[6] ? 'ddd' : 'dddd'
          case 'hour':
            return hour12 ? (p.value.length === 2 ? 'hh' : 'h') : p.value.length === 2 ? 'HH' : 'H'
          case 'minute':
            return 'mm'
          case 'second':
            return 'ss'
          case 'dayPeriod':
            return 'tt'
          case 'era':
            return 'g'
          case 'literal':
            return p.value === ':' ? ':' : `'${nbspToSpace(p.value).replace(/'/g, "''")}'`
          default:
            return `'${p.value.replace(/'/g, "''")}'`
        }
      })
      .join('')
  }
}

/** A format pattern with the number's parts replaced by U+0001, from Intl's parts of 1 or -1. */
function numberPattern (parts: Intl.NumberFormatPart[]): string {
  let out = ''
  let placed = false
  for (const p of parts) {
    if (['integer', 'group', 'decimal', 'fraction'].includes(p.type)) {
      if (!placed) out += '\u0001'
      placed = true
    } else out += nbsp(p.value)
  }
  return out
}

// ICU writes a narrow no-break space where Windows (and so Logic Apps) has a no-break space in numbers...
function nbsp (s: string): string {
  return s.replace(/\u202f/g, '\u00a0')
}
// ...and a plain space before AM/PM in times ("5:18 AM").
function nbspToSpace (s: string): string {
  return s.replace(/[\u202f\u00a0]/g, ' ')
}
