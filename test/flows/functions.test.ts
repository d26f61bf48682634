import t from 'tap'
import { compileString } from '../../src/flows/expression.js'
import { render } from '../../src/flows/evaluate.js'
import { FUNCTION_NAMES, functionSpec, type EvalContext } from '../../src/flows/functions.js'
import { toJsonText, toText } from '../../src/flows/values.js'
import { EXAMPLES, fixture } from './reference-examples.js'
import { normalize } from './reference-compare.js'

// Beyond the reference's examples (reference.test.ts): each function's other documented forms, the number
// model, the error cases the reference names, and what must never show through (JavaScript's number
// formatting, NaN and Infinity, dates JavaScript reads and .NET does not). The clock is fixed by the fixture.
const base = fixture({ now: '2018-03-01T10:20:30.5Z' })
const ctx = (over: Partial<EvalContext> = {}): EvalContext => ({ ...base, ...over })
const raw = (src: string, c: EvalContext = base): unknown => render(compileString(`@${src}`), c)
const ev = (src: string, c?: EvalContext): unknown => normalize(raw(src, c))
const text = (src: string, c?: EvalContext): string => toText(raw(src, c))
const json = (src: string): string => toJsonText(raw(src))

type Tap = Pick<typeof t, 'same' | 'throws'>

function cases (t: Tap, list: Array<[string, unknown]>): void {
  for (const [src, want] of list) t.same(ev(src), want, src)
}
function failures (t: Tap, list: Array<[string, RegExp]>): void {
  for (const [src, message] of list) t.throws(() => raw(src), { name: 'TemplateError', message }, src)
}

t.test('numbers: integers, floats and decimals stay apart', async t => {
  cases(
    t,
    [
      ['div(7, 2)', 3],
      ['div(7.0, 2)', 3.5],
      ['div(-7, 2)', -3],
      ['div(mul(1.5, 2), 2)', 1.5],
      ['mod(7.5, 2)', 1.5],
      ['mod(-7, 3)', -1],
      ['add(0.1, 0.2)', 0.30000000000000004],
      ['sub(5, 7)', -2],
      ['mul(3037000499, 3037000499)', 9223372030926249001n.toString()],
      ['float(3)', 3],
      ['div(float(3), 2)', 1.5],
      ['int(2.5)', 2],
      ['int(3.5)', 4],
      ["int('  -42 ')", -42],
      ['int(true)', 1],
      ['max(1, 2.5, 2)', 2.5],
      ["min(createArray(3, decimal('2.5'), 4))", 2.5],
      ['range(0, 0)', []],
      ['equals(1, 1.0)', true],
      ["equals(decimal('1.10'), 1.1)", true],
      ["greater(decimal('0.1'), 0.09)", true],
      ['less(9223372036854775806, 9223372036854775807)', true],
    ].map(([s, w]) => [s as string, typeof w === 'string' && /^\d+$/.test(w) ? Number(w) : w])
  )
  t.equal(text('mul(3037000499, 3037000499)'), '9223372030926249001', 'integers are Int64, exact past 2^53')
  t.equal(text("ticks('2018-03-15T13:27:36.1234567Z')"), '636567172561234567', 'ticks are exact to the tick')
  t.equal(text("sub(ticks('2018-03-15T13:27:36.1234567Z'), ticks('2018-03-15T13:27:35Z'))"), '11234567')
  t.equal(text('mul(1.5, 2)'), '3', 'a whole float is written as .NET writes it')
  t.equal(json('createArray(mul(1.5, 2), 3)'), '[3.0,3]', '...and in JSON text with its decimal point, as Newtonsoft')
  t.equal(text('1e21'), '1E+21', 'no JavaScript exponent format')
  t.equal(text('0.00001'), '1E-05')
  t.equal(text('123456789012345.6'), '123456789012345.6')
  t.equal(text('1e15'), '1E+15')
  t.equal(text("decimal('1.50')"), '1.50', 'a decimal keeps its scale')
  t.equal(text("div(decimal('1'), decimal('3'))"), '0.3333333333333333333333333333', '28 digits, as .NET')
  t.equal(text("mul(decimal('1.5'), decimal('2.00'))"), '3.000')
  t.equal(json('json(\'{"a": 5.0, "b": 9007199254740993, "c": 1e2}\')'), '{"a":5.0,"b":9007199254740993,"c":100.0}')
  t.same(ev('json(\'{"a": 5.0}\')'), { a: 5 }, '5.0 from JSON is a float...')
  t.equal(ev('div(json(\'{"a": 5.0}\').a, 2)'), 2.5, '...and divides as one')
  t.same(ev('json(\'{"a": 1, "a": 2}\')'), { a: 2 }, 'a repeated key keeps its last value, as Newtonsoft reads it')
  t.equal(ev('.5'), 0.5, 'a float without its leading zero')
  t.equal(ev('sub(1,-1)'), 2)
  t.equal(ev('+5'), 5)
  failures(t, [
    [
      'add(9223372036854775807, 1)',
      /'add' could not be evaluated: The result is outside the range of a 64-bit integer/,
    ],
    ['div(1, 0)', /'div' could not be evaluated: The divisor must not be zero/],
    ['div(1.0, 0)', /The divisor must not be zero/],
    ['mod(1, 0.0)', /The divisor must not be zero/],
    ['mul(1e308, 10)', /'mul' could not be evaluated: The result is not a finite number/],
    ["add('1', 2)", /'add' expects its first parameter to be a number. The provided value is of type 'String'/],
    ["int('4.2')", /'int' was invoked with a parameter that is not valid/],
    ["float('abc')", /'float' was invoked with a parameter that is not valid/],
    ["float('1e400')", /'float' was invoked with a parameter that is not valid/],
    ["float('1', 'no-such-LOCALE-x')", /'float' was invoked with a locale that is not valid/],
    ["decimal('x')", /'decimal' was invoked with a parameter that is not valid/],
    ['max(createArray())', /'max' expects its first parameter to be a non-empty array of numbers/],
    ["min(1, 'a')", /'min' expects its second parameter to be a number/],
    ['range(1, 100001)', /'range' expects its second parameter to be an integer from 0 to 100000/],
    ['range(2147483647, 1)', /no larger than 2147483647/],
    ['rand(5, 5)', /'rand' expects its first parameter 'minValue' to be less than/],
  ])
  t.throws(
    () => compileString('@5abc'),
    { name: 'ExpressionSyntaxError' },
    'a number run into a name is a syntax ' + 'error'
  )
  t.throws(() => compileString('@99999999999999999999'), { name: 'ExpressionSyntaxError', message: /out of range/ })
  for (let i = 0; i < 50; i++) {
    const n = raw('rand(-2, 3)') as number
    if (!Number.isInteger(n) || n < -2 || n >= 3) t.fail(`rand(-2, 3) gave ${n}`)
  }
})

t.test('strings', async t => {
  cases(t, [
    ["concat('a', 1, true, null, 2.5)", 'a1True2.5'],
    ["indexOf('Hello', 'L')", 2],
    ["indexOf('abc', '')", 0],
    ["lastIndexOf('', '')", 0],
    ["lastIndexOf('', 'a')", -1],
    ["lastIndexOf('abcABC', 'b')", 4],
    ["nthIndexOf('abcabcabc', 'abc', -1)", 6],
    ["nthIndexOf('abcabcabc', 'abc', -3)", 0],
    ["nthIndexOf('abcabcabc', 'abc', -4)", -1],
    ["startsWith('Hello', 'HE')", true],
    ["endsWith('Hello', 'LO')", true],
    ["replace('a-b-c', '-', '+')", 'a+b+c'],
    ["replace('aAa', 'a', 'x')", 'xAx'],
    ["split('a,b,,c', ',')", ['a', 'b', '', 'c']],
    ["split('abc', '')", ['abc']],
    ["substring('hello', 1)", 'ello'],
    ["substring('hello', 5, 0)", ''],
    ["slice('Hello', -10, 2)", 'He'],
    ["toUpper('straße')", 'STRASSE'],
    ["trim('\t x \n')", 'x'],
    ["chunk('abc', 5)", ['abc']],
    ["formatNumber(1234.5678, 'N')", '1,234.57'],
    ["formatNumber(1234.5678, 'N1', 'de-DE')", '1.234,6'],
    ["formatNumber(-1234.5678, 'C')", '-$1,234.57'],
    ["formatNumber(1234.5678, 'C', 'ja-JP')", '￥1,235'],
    ["formatNumber(0.1234, 'P')", '12.34%'],
    ["formatNumber(1234, 'D8')", '00001234'],
    ["formatNumber(-1234, 'D8')", '-00001234'],
    ["formatNumber(1052.0329112756, 'E')", '1.052033E+003'],
    ["formatNumber(-1052.0329112756, 'e2')", '-1.05e+003'],
    ["formatNumber(255, 'X')", 'FF'],
    ["formatNumber(-1, 'X')", 'FFFFFFFFFFFFFFFF'],
    ["formatNumber(255, 'x4')", '00ff'],
    ["formatNumber(12345.6789, 'G')", '12345.6789'],
    ["formatNumber(12345.6789, 'G3')", '1.23E+04'],
    ["formatNumber(1234.5, 'F')", '1234.50'],
    ["formatNumber(2.5, 'F0')", '3'],
    ["formatNumber(1234567.891, '#,#.##')", '1,234,567.89'],
    ["formatNumber(0.5, '0.00%')", '50.00%'],
    ["formatNumber(123, '00000')", '00123'],
    ["formatNumber(1234567890, '(###) ###-####')", '(123) 456-7890'],
    ["formatNumber(-5, '#;(#);zero')", '(5)'],
    ["formatNumber(0, '#;(#);zero')", 'zero'],
    ["formatNumber(1234567, '#,##0,K')", '1,235K'],
    ["formatNumber(1234.5678, '0.###E+0')", '1.235E+3'],
    ['formatNumber(1234, \'"Total: "#,##0\')', 'Total: 1,234'],
    ["formatNumber(12345678, '#,##0', 'en-IN')", '1,23,45,678'],
    ["formatNumber(decimal('12.345'), 'N2')", '12.35'],
  ])
  t.equal(ev("formatNumber(0.1234, 'P1', 'fr-FR')"), '12,3\u00a0%', "French writes a no-break space before '%'")
  t.match(ev("guid('N')"), /^[0-9a-f]{32}$/)
  t.match(ev("guid('b')"), /^\{[0-9a-f-]{36}\}$/)
  t.match(ev("guid('X')"), /^\{0x[0-9a-f]{8},0x[0-9a-f]{4},0x[0-9a-f]{4},\{(0x[0-9a-f]{2},){7}0x[0-9a-f]{2}\}\}$/)
  failures(t, [
    ["substring('abc', 2, 5)", /'substring' parameters are out of range/],
    ["substring('abc', -1)", /'substring' parameters are out of range/],
    ["replace('abc', '', 'x')", /'replace' expects its second parameter 'oldText' to be a non-empty string/],
    ["nthIndexOf('abc', 'a', 0)", /'nthIndexOf' expects its third parameter 'occurrence' to be a non-zero integer/],
    ["guid('Q')", /'guid' was invoked with a format 'Q' that is not valid/],
    ['toLower(1)', /'toLower' expects its parameter to be a string. The provided value is of type 'Integer'/],
    [
      "startsWith('a', null)",
      /'startsWith' expects its second parameter to be a string. The provided value is of type 'Null'/,
    ],
    ["formatNumber(1.5, 'D')", /'formatNumber' was invoked with a format that is not valid: 'D' applies to integers only/],
    ["formatNumber(1, 'Z')", /'formatNumber' was invoked with a format that is not valid: 'Z' is not a standard numeric format/],
    ["formatNumber('x', 'N')", /'formatNumber' expects its first parameter to be a number/],
    ["formatNumber(1, 'N', 'xx-nope')", /'formatNumber' was invoked with a locale that is not valid/],
    ["chunk('abc', 0)", /'chunk' expects its second parameter to be a positive integer/],
  ])
})

t.test('collections and objects', async t => {
  cases(t, [
    ["contains(json('{\"k\": 1}'), 'k')", true],
    ["contains(json('{\"k\": 1}'), 'K')", false],
    ['contains(createArray(1, 2), 2.0)', true],
    ['contains(createArray(json(\'{"a":1}\')), json(\'{"a":1}\'))', true],
    ['empty(null)', true],
    ["empty(json('{}'))", true],
    ['empty(createArray(null))', false],
    ['first(createArray())', null],
    ["last('')", null],
    ["skip('abcdef', 2)", 'cdef'],
    ['take(createArray(1, 2), 5)', [1, 2]],
    ['union(createArray(1, 2), createArray(2, 3), createArray(3, 4))', [1, 2, 3, 4]],
    ['union(json(\'{"a":1,"b":2}\'), json(\'{"b":3,"c":4}\'))', { a: 1, b: 3, c: 4 }],
    ['intersection(json(\'{"a":1,"b":2}\'), json(\'{"b":3,"c":4}\'))', { b: 3 }],
    ["sort(createArray('b', 'a', 'C'))", ['C', 'a', 'b']],
    ['sort(createArray(true, false))', [false, true]],
    ["sort(createArray(2.5, 1, decimal('1.5')))", [1, 1.5, 2.5]],
    ["join(createArray(1, null, true), '-')", '1--True'],
    ['createArray()', []],
    ["coalesce(null, '', 'x')", ''],
    ['setProperty(json(\'{"a":1,"b":2}\'), \'a\', 3)', { a: 3, b: 2 }],
    ["removeProperty(json('{\"a\":1}'), 'zz')", { a: 1 }],
  ])
  t.same(
    Object.keys(raw('setProperty(json(\'{"a":1,"b":2}\'), \'a\', 3)') as object),
    ['a', 'b'],
    'a set property ' + 'keeps its place'
  )
  const input = raw('json(\'{"a":{"b":1}}\')') as Record<string, Record<string, unknown>>
  const out = render(compileString("@setProperty(variables('o'), 'a', 2)"), ctx({ variable: () => input }))
  t.same(out, { a: 2 })
  t.same(input, { a: { b: 1 } }, 'inputs are never changed')
  failures(t, [
    [
      'length(5)',
      /'length' expects its parameter to be an array or a string. The provided value is of type 'Integer'/,
    ],
    [
      'length(null)',
      /'length' expects its parameter to be an array or a string. The provided value is of type 'Null'/,
    ],
    ['empty(5)', /'empty' expects its parameter to be a string, an array, an object or null/],
    ["contains(5, 'a')", /'contains' expects its first parameter to be a string, an array or an object/],
    ['skip(createArray(1), -1)', /'skip' expects its second parameter to be a non-negative integer/],
    ["join('abc', ',')", /'join' expects its first parameter to be an array/],
    ["union(createArray(1), json('{}'))", /'union' expects its second parameter to be an array or an object/],
    ["sort(createArray(1, 'a'))", /'sort' cannot sort items of different types/],
    ['sort(createArray(createArray(1)))', /'sort' can sort numbers, strings and booleans/],
    ["sort(createArray(1), 'key')", /'sort' expects an array of objects when sorting by 'key'/],
    [
      "addProperty(json('{\"a\":1}'), 'a', 2)",
      /'addProperty' cannot add the property 'a': the object already has it/,
    ],
    [
      "setProperty(createArray(), 'a', 1)",
      /'setProperty' expects its first parameter to be an object. The provided value is of type 'Array'/,
    ],
    ["reverse('abc')", /'reverse' expects its parameter to be an array/],
  ])
})

t.test('logic', async t => {
  cases(t, [
    ["equals('ABC', 'abc')", false],
    ['equals(null, null)', true],
    ['equals(json(\'{"a":[1,2]}\'), json(\'{"a":[1,2.0]}\'))', true],
    ['equals(false, 0)', true],
    ['and(true)', true],
    ["if(false, 1, 'x')", 'x'],
    ["less('a', 'b')", true],
    ['lessOrEquals(1, 1.0)', true],
  ])
  failures(t, [
    ["greater(1, '1')", /'greater' expects two parameters of matching types.*'Integer' and 'String'/],
    ['not(1)', /'not' expects its parameter to be a boolean. The provided value is of type 'Integer'/],
    ["and(true, 'true')", /'and' expects its second parameter to be a boolean/],
    ['if(null, 1, 2)', /'if' expects its first parameter to be a boolean/],
  ])
})

t.test('conversion, binary content and data URIs', async t => {
  cases(t, [
    ["bool('TRUE')", true],
    ['bool(0.0)', false],
    ['string(json(\'[1,"a",{"b":true}]\'))', '[1,"a",{"b":true}]'],
    ['string(null)', ''],
    ['json(null)', {}],
    ['array(null)', [null]],
    ["binary('hello')", { '$content-type': 'application/octet-stream', $content: 'aGVsbG8=' }],
    ["base64ToBinary('aGVsbG8=')", { '$content-type': 'application/octet-stream', $content: 'aGVsbG8=' }],
    ["string(base64ToBinary('aGVsbG8='))", 'hello'],
    ["base64(binary('hello'))", 'aGVsbG8='],
    ["base64(base64ToBinary('/w=='))", '/w=='],
    ["decodeBase64('aGVsbG8=')", 'hello'],
    ["encodeBase64('hello')", 'aGVsbG8='],
    ["dataUri(base64ToBinary('aGVsbG8='))", 'data:application/octet-stream;base64,aGVsbG8='],
    ["dataUriToString('data:,Hello%2C%20World')", 'Hello, World'],
    ["dataUriToBinary('data:,A')", { '$content-type': 'text/plain;charset=US-ASCII', $content: 'QQ==' }],
    ["base64ToBinary('aGVsbG8=')['$content-type']", 'application/octet-stream'],
    ["uriComponent('a b!*()')", 'a%20b%21%2A%28%29'],
    ["uriComponentToString('%E2%82%AC%zz')", '€%zz'],
    ["decodeUriComponent('100%')", '100%'],
    ["isInt('1.5')", false],
    ["isInt(' 7 ')", true],
    ["isFloat('abc')", false],
    ["isFloat('1,5', 'fr-FR')", true],
    ["float('(12)')", -12],
  ])
  t.equal(ev("json(binary('{\"a\":1}'))['a']"), 1, 'json() reads binary content as JSON text')
  failures(t, [
    [
      "base64ToString('not base64!')",
      /'base64ToString' was invoked with a parameter that is not valid. The value cannot be decoded from base64/,
    ],
    ["base64ToBinary('a')", /'base64ToBinary' was invoked with a parameter that is not valid/],
    ["dataUriToString('nope')", /'dataUriToString' was invoked with a parameter that is not a valid data URI/],
    ["json('[1,2')", /'json' parameter is not valid. The provided value '\[1,2' cannot be parsed/],
    ["json('hello')", /'json' parameter is not valid/],
    ["bool('yes')", /'bool' was invoked with a parameter that is not valid/],
    ['isInt(5)', /'isInt' expects its parameter to be a string/],
  ])
})

t.test('URI parts', async t => {
  cases(t, [
    ["uriPort('http://x.com/')", 80],
    ["uriPort('ftp://x.com/')", 21],
    ["uriPath('https://x.com')", '/'],
    ["uriQuery('https://x.com/p')", ''],
    ["uriHost('https://User@EXAMPLE.com:99/p')", 'example.com'],
    ["uriPathAndQuery('https://x.com/a%20b?q=1#f')", '/a%20b?q=1'],
  ])
  failures(t, [
    ["uriHost('not a uri')", /'uriHost' was invoked with a parameter that is not a valid absolute URI: 'not a uri'/],
    ["uriScheme('/relative/path')", /'uriScheme' was invoked with a parameter that is not a valid absolute URI/],
  ])
})

t.test('dates: reading as .NET reads, formats and cultures, kinds, time zones', async t => {
  cases(t, [
    ["formatDateTime('2018-03-15T10:00:00+02:00')", '2018-03-15T08:00:00.0000000Z'],
    ["formatDateTime('Thu, 15 Mar 2018 13:27:36 GMT')", '2018-03-15T13:27:36.0000000Z'],
    ["formatDateTime('2018-03-15T13:27:36.123456789Z')", '2018-03-15T13:27:36.1234567Z'],
    ["formatDateTime('3/15/2018 1:05 PM', 'HH:mm')", '13:05'],
    ["formatDateTime('March 7')", '2018-03-07T00:00:00.0000000'],
    ["formatDateTime('2018-03-15', 'dddd, d MMMM yyyy', 'ru-RU')", 'четверг, 15 марта 2018'],
    ["formatDateTime('2018-03-15', 'MMMM yyyy', 'ru-RU')", 'март 2018'],
    ["formatDateTime('2018-03-05T13:05:00Z', 'D', 'de-DE')", 'Montag, 5. März 2018'],
    ["formatDateTime('2018-03-05T13:05:00Z', 'd', 'de-DE')", '05.03.2018'],
    ["formatDateTime('2018-03-05T13:05:00Z', 'g', 'en-GB')", '05/03/2018 13:05'],
    ["formatDateTime('2018-03-05T13:05:00Z', 'G', 'ja-JP')", '2018/03/05 13:05:00'],
    ["formatDateTime('2018-03-15T13:05:00Z', 'r')", 'Thu, 15 Mar 2018 13:05:00 GMT'],
    ["formatDateTime('2018-03-15T13:05:00Z', 's')", '2018-03-15T13:05:00'],
    ["formatDateTime('2018-03-15T13:05:00Z', 'M')", 'March 15'],
    ["formatDateTime('2018-03-15T13:05:00.5Z', 'HH:mm:ss.FFF')", '13:05:00.5'],
    ["formatDateTime('2018-03-15T13:05:00Z', 'HH:mm:ss.FFF')", '13:05:00'],
    ["formatDateTime('2018-03-15T13:05:00Z', 'yyyy-MM-dd zzz K')", '2018-03-15 +00:00 Z'],
    ["formatDateTime('2018-03-15', 'yyyy-MM-dd K')", '2018-03-15 '],
    ["formatDateTime('2018-03-15T13:05:00Z', '''Day'' d ''of'' MMM, h tt')", 'Day 15 of Mar, 1 PM'],
    ["formatDateTime('2018-03-15T13:05:00Z', 'yy y %d')", '18 18 15'],
    ["addToTime('2018-01-31T00:00:00Z', 1, 'Month')", '2018-02-28T00:00:00.0000000Z'],
    ["addToTime('2020-02-29T00:00:00Z', 1, 'Year')", '2021-02-28T00:00:00.0000000Z'],
    ["addToTime('2018-01-01T00:00:00Z', 2, 'Week', 'yyyy-MM-dd')", '2018-01-15'],
    ["addDays('2018-03-15T00:00:00Z', 0.5)", '2018-03-15T12:00:00.0000000Z'],
    ["subtractFromTime('2018-03-31T00:00:00Z', 1, 'Month')", '2018-02-28T00:00:00.0000000Z'],
    ["startOfHour('2018-03-15T13:30:30.25')", '2018-03-15T13:00:00.0000000'],
    ["dateDifference('2018-07-30T10:00:00Z', '2018-07-29T08:30:15.5Z')", '-1.01:29:44.5000000'],
    ["dateDifference('2018-07-30', '2018-07-30T00:00:01')", '00:00:01'],
    ["parseDateTime('2018-03-15T13:27:36Z')", '2018-03-15T13:27:36.0000000Z'],
    ["parseDateTime('15.03.2018', 'de-DE')", '2018-03-15T00:00:00.0000000'],
    ["parseDateTime('05.03.18', 'de-DE')", '2018-03-05T00:00:00.0000000'],
    ["parseDateTime('Donnerstag, 15. März 2018', 'de-DE')", '2018-03-15T00:00:00.0000000'],
    ["parseDateTime('13:05', 'en-US')", '2018-03-01T13:05:00.0000000'],
    ["parseDateTime('2018-03-15 01:05:06 PM', 'en-US', 'yyyy-MM-dd hh:mm:ss tt')", '2018-03-15T13:05:06.0000000'],
    ["parseDateTime('15 mars 2018', 'fr-FR', 'd MMMM yyyy')", '2018-03-15T00:00:00.0000000'],
    ["parseDateTime('2018-03-15T10:00:00+02:00', 'en-US', 'yyyy-MM-ddTHH:mm:ssK')", '2018-03-15T08:00:00.0000000Z'],
    ["convertToUtc('2018-11-04 01:30:00', 'Pacific Standard Time')", '2018-11-04T09:30:00.0000000Z'],
    ["convertFromUtc('2018-07-01T12:00:00Z', 'W. Europe Standard Time', 'yyyy-MM-dd HH:mm')", '2018-07-01 14:00'],
    ["convertFromUtc('2018-01-01T12:00:00Z', 'W. Europe Standard Time', 'yyyy-MM-dd HH:mm')", '2018-01-01 13:00'],
    ["convertTimeZone('2018-07-01 12:00', 'Tokyo Standard Time', 'UTC')", '2018-07-01T03:00:00.0000000Z'],
    ["convertTimeZone('2018-07-01 12:00', 'india standard time', 'GMT Standard Time', 't')", '7:30 AM'],
    ["utcNow('yyyy-MM-ddTHH:mm:ss.fffffffK')", '2018-03-01T10:20:30.5000000Z'],
    ["getFutureTime(1, 'Month', 'd')", '4/1/2018'],
    ["getPastTime(90, 'Second', 'T')", '10:19:00 AM'],
  ])
  t.equal(
    ev("convertToUtc('2018-11-04 01:30:00', 'Pacific Standard Time')"),
    '2018-11-04T09:30:00.0000000Z',
    'an hour that happens twice (the change back from daylight time) is read as standard time, as .NET does'
  )
  failures(t, [
    [
      "formatDateTime('2018')",
      /'formatDateTime' expects its first parameter to be a timestamp; the provided value '2018'/,
    ],
    ["formatDateTime('hello 12')", /'formatDateTime' expects its first parameter to be a timestamp/],
    ["formatDateTime('Tue Mar 15 2018 junk')", /'formatDateTime' expects its first parameter to be a timestamp/],
    ["formatDateTime('2018-02-30')", /'formatDateTime' expects its first parameter to be a timestamp/],
    ["addDays('not a date', 1)", /'addDays' expects its first parameter to be a timestamp/],
    ["formatDateTime('2018-03-15T13:05:00Z', 'q')", /'formatDateTime' was invoked with a format that is not valid/],
    ["formatDateTime('2018-03-15', 'yyyy ''open')", /has an unclosed quote/],
    ["formatDateTime('2018-03-15', 'ffffffff')", /more than seven 'f'/],
    ["formatDateTime('2018-03-15', 'd', 'xx-nope')", /'formatDateTime' was invoked with a locale that is not valid/],
    ["addToTime('2018-01-31T00:00:00Z', 1, 'Fortnight')", /The time unit 'Fortnight' is not valid/],
    ["addToTime('9999-12-31T00:00:00Z', 1, 'Day')", /outside the range of dates/],
    ["addToTime('2018-01-31T00:00:00Z', 1.5, 'Month')", /whole number/],
    [
      "convertToUtc('2018-03-11 02:30:00', 'Pacific Standard Time')",
      /'convertToUtc' could not be evaluated: The supplied time is invalid/,
    ],
    ["convertTimeZone('2018-07-01 12:00', 'Nowhere', 'UTC')", /The time zone 'Nowhere' is not valid/],
    ["parseDateTime('x', 'en-US', 'yyyy')", /'parseDateTime' could not read 'x' as a timestamp in the format 'yyyy'/],
    ["parseDateTime('31/31/2018', 'fr-FR')", /'parseDateTime' could not read/],
    ['dayOfWeek(5)', /'dayOfWeek' expects its parameter to be a string/],
  ])
})

t.test('XML: xml(), xpath(), and JSON <-> XML', async t => {
  cases(t, [
    ['json(xml(\'<a x="1">t</a>\'))', { a: { '@x': '1', '#text': 't' } }],
    ["json(xml('<a><b/><![CDATA[x<y]]></a>'))", { a: { b: null, '#cdata-section': 'x<y' } }],
    ["json(xml('<a>t<b>u</b>v</a>'))", { a: { '#text': ['t', 'v'], b: 'u' } }],
    ["json(xml('<a><b>1</b><c>2</c><b>3</b></a>'))", { a: { b: ['1', '3'], c: '2' } }],
    [
      'string(xml(json(\'{"a":{"@x":"1","#text":"t","b":[1,2.5,true,null]}}\')))',
      '<a x="1">t<b>1</b><b>2.5</b><b>true</b><b /></a>',
    ],
    ['string(xml(json(\'{"?xml":{"@version":"1.0"},"a":"x&y"}\')))', '<?xml version="1.0"?><a>x&amp;y</a>'],
    ["xml('<a/>')", '<a/>'],
    ["xpath(xml('<a><b>1</b><b>2</b></a>'), 'count(//b)')", 2],
    ["xpath(xml('<a><b>1</b></a>'), '//b = 1')", true],
    ["xpath(xml('<a><b x=\"v\">1</b></a>'), '//b/@x')", ['v']],
    ["xpath('<a><b>1</b></a>', '/a/b/text()')", ['1']],
    ["xpath(xml('<p:a xmlns:p=\"urn:x\"><p:b>1</p:b></p:a>'), '/*/*')", ['<p:b xmlns:p="urn:x">1</p:b>']],
    ["xpath(xml('<a/>'), '//missing')", []],
  ])
  t.same(
    JSON.parse(json("xml('<a/>')")),
    { '$content-type': 'application/xml;charset=utf-8', $content: 'PGEvPg==' },
    'XML is content in JSON, as Logic Apps stores it'
  )
  failures(t, [
    ["xml('<a><b>1</b>')", /'xml' could not be evaluated: The value is not valid XML/],
    ["xml('hello')", /'xml' could not be evaluated: The value is not valid XML/],
    ['xml(json(\'{"a":1,"b":2}\'))', /must have exactly one root property/],
    ['xml(createArray(1))', /Only a JSON object with a single root property/],
    ['xml(json(\'{"a b":1}\'))', /'a b' cannot be an XML element or attribute name/],
    ["xpath(xml('<a/>'), '//[')", /'xpath' could not be evaluated: The XPath expression '\/\/\[' is not valid/],
    ["xpath(1, '/a')", /'xpath' expects its first parameter to be XML or a string of XML/],
  ])
})

t.test('workflow functions read the context', async t => {
  const scope = ctx({
    result: name =>
      name === 'Try'
        ? {
            kind: 'scope',
            records: [
              {
                name: 'Get',
                status: 'Failed',
                outputs: { statusCode: 404, body: { message: 'gone' } },
                error: { code: '404', message: 'gone' },
              },
              { name: 'Log', status: 'Skipped' },
            ],
          }
        : name === 'Loop'
          ? {
              kind: 'loop',
              actions: [
                {
                  name: 'Step',
                  iterations: [{ name: 'Step', status: 'Succeeded', iteration: 'Loop[0]', outputs: 1 }],
                },
              ],
            }
          : undefined,
    currentAction: () => ({ name: 'Until', status: 'Succeeded', outputs: { n: 2 } }),
    callbackUrl: () => 'https://example.test/hook',
    appSetting: name => (name === 'Api_Url' ? 'https://api.example.test' : undefined),
    triggerOutputs: () => ({
      headers: {},
      body: {
        '$content-type': 'multipart/form-data; boundary=x',
        $multipart: [
          { headers: { 'Content-Disposition': 'form-data; name="title"' }, body: 'Hello' },
          { headers: { 'Content-Disposition': 'form-data; name="tag"' }, body: 'a' },
          { headers: { 'Content-Disposition': 'form-data; name="tag"' }, body: 'b' },
        ],
      },
    }),
  })
  const tried = ev("result('Try')", scope) as Array<Record<string, unknown>>
  t.match(tried, [
    {
      name: 'Get',
      status: 'Failed',
      code: 'NotFound',
      error: { code: '404' },
      clientTrackingId: '08585004363290835095277375624CU45',
    },
    { name: 'Log', status: 'Skipped', code: 'ActionSkipped' },
  ])
  t.match(tried[0].trackingId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/)
  t.match(ev("result('Loop')", scope), [
    { name: 'Step', outputs: [{ name: 'Step', status: 'Succeeded', outputs: 1 }] },
  ])
  t.equal(ev("actions('Get_user').status", scope), 'Succeeded')
  t.equal(ev("actions('Get_user').code", scope), 'OK')
  t.equal(ev("actionBody('Get_user').Id", scope), 283541717)
  t.equal(ev("actionOutputs('Get_user').statusCode", scope), 200)
  t.same(ev('action().outputs', scope), { n: 2 })
  t.equal(ev('listCallbackUrl()', scope), 'https://example.test/hook')
  t.equal(ev("appsetting('Api_Url')", scope), 'https://api.example.test')
  t.throws(() => ev("appsetting('Nope')", scope), { message: /there is no app setting named 'Nope'/ })
  t.equal(ev("triggerFormDataValue('title')", scope), 'Hello')
  t.same(ev("triggerFormDataMultiValues('tag')", scope), ['a', 'b'])
  t.equal(ev('triggerMultipartBody(1)', scope), 'a')
  t.equal(ev("trigger().outputs.body['$content-type']", scope), 'multipart/form-data; boundary=x')
  t.equal(ev('workflow().run.name', scope), '08585004363290835095277375624CU45')
  t.throws(() => raw("triggerFormDataValue('tag')", scope), {
    message: /found more than one value for the key 'tag'/,
  })
  t.throws(() => raw('triggerMultipartBody(3)', scope), { message: /was asked for part 3 of content with 3 parts/ })
  t.throws(() => raw("result('Nope')", scope), {
    message: /'result' cannot be evaluated because the scoped action 'Nope'/,
  })
  t.throws(() => raw('action()'), { message: /'action' can only be used in an Until loop's condition/ })
  t.throws(() => raw('listCallbackUrl()'), {
    message: /'listCallbackUrl' can only be used in a flow whose trigger or action has a callback URL/,
  })
  t.throws(() => raw("body('Nope')"), { message: /'body' cannot be evaluated because the action 'Nope' has not run/ })
  t.throws(() => raw("formDataValue('Get_user', 'x')"), { message: /'formDataValue' expects form data/ })
  t.equal(ev("formDataValue('Send_an_email', 'Subject')"), 'Hello world')
  const multipart = ctx({
    action: () => ({ name: 'Upload', status: 'Succeeded', outputs: scope.triggerOutputs() }),
    item: loop => (loop === undefined || loop === 'Each' ? { id: 7 } : undefined),
    iterationIndex: loop => (loop === 'Each' ? 3 : -1),
  })
  t.equal(ev("multipartBody('Upload', 0)", multipart), 'Hello')
  t.equal(ev("formDataValue('Upload', 'title')", multipart), 'Hello', 'multipart parts are form data by their names')
  t.equal(ev('item().id', multipart), 7)
  t.equal(ev("items('Each')?['id']", multipart), 7)
  t.equal(ev("iterationIndexes('Each')", multipart), 3)
  t.equal(ev("triggerBody()?['$multipart'][0]?['body']", scope), 'Hello')
  t.same(ev('triggerOutputs().headers', scope), {})
  const encoded = ctx({
    action: () => ({
      name: 'Post',
      status: 'Succeeded',
      outputs: {
        body: {
          '$content-type': 'application/x-www-form-urlencoded',
          $content: Buffer.from('a=1&b=x%20y&a=2').toString('base64'),
        },
      },
    }),
  })
  t.same(
    ev("formDataMultiValues('Post', 'a')", encoded),
    ['1', '2'],
    'an encoded form body without $formdata is ' + 'decoded'
  )
  t.equal(ev("formDataValue('Post', 'b')", encoded), 'x y')
})

t.test('property access as Logic Apps words its failures', async t => {
  t.throws(() => raw("json('{}').a.b"), { message: /property 'a' doesn't exist, available properties are ''/ })
  t.throws(() => raw('json(\'{"a":null}\').a.b'), {
    message: /property 'b' cannot be selected. Property selection is not supported on values of type 'Null'/,
  })
  t.throws(() => raw('createArray(1)[1]'), { message: /the array index '1' is outside bounds \(0, 0\) of the array/ })
  t.throws(() => raw("createArray(1)['x']"), {
    message: /an array is indexed by an integer, not by a value of type 'String'/,
  })
  t.equal(ev("binary('hi')['$content']"), 'aGk=', 'binary content is read as its envelope')
})

t.test("agentParameters outside an Agent's tool fails as Logic Apps words it (inside: agent.test.ts)", async t => {
  t.throws(() => raw("agentParameters('orderId')"), {
    message: /'agentParameters' can only be used in the actions of an Agent's tool/,
  })
})

t.test('every function of the table is known to the loader and exercised by a test', async t => {
  const source = [
    ...EXAMPLES.map(e => e.expr),
    (await import('node:fs')).readFileSync(new URL(import.meta.url), 'utf8'),
  ].join('\n')
  for (const name of FUNCTION_NAMES) {
    const spec = functionSpec(name)!
    t.ok(spec.min <= spec.max, `${name}: ${spec.min} to ${spec.max} arguments`)
    t.ok(new RegExp(`\\b${name}\\(`, 'i').test(source), `${name} is called in the tests`)
  }
  t.ok(FUNCTION_NAMES.length >= 125, `${FUNCTION_NAMES.length} functions`)
})
