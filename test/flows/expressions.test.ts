import t from 'tap'
import { compileString, compileTemplate, ExpressionSyntaxError } from '../../src/flows/expression.js'
import { render } from '../../src/flows/evaluate.js'
import { TemplateError, type EvalContext } from '../../src/flows/functions.js'
import { formatTimestamp, fromEpoch, parseDuration } from '../../src/flows/datetime.js'

// Expressions are evaluated against a fixed context: the trigger body, one finished action, a loop item, variables.
const NOW = Date.parse('2026-03-07T14:05:09.123Z')
const ctx: EvalContext = {
  now: () => NOW,
  triggerOutputs: () => ({
    headers: { 'content-type': 'application/json' },
    body: { data: { roomId: 'R1', personEmail: 'Dave@Example.com', tags: ['a', 'b'] }, orgId: 'O1' },
  }),
  action: name =>
    name === 'Get_message'
      ? {
          name,
          status: 'Succeeded',
          outputs: { statusCode: 200, body: { text: 'Hello World' } },
          body: { text: 'Hello World' },
        }
      : undefined,
  item: loop => {
    if (loop === undefined || loop === 'Loop') return { title: 'Apollo', n: 3 }
    throw new TemplateError(`items('${loop}'): not inside that Foreach.`)
  },
  iterationIndex: () => 2,
  variable: name => (({ count: 4, list: [1, 2] }) as Record<string, unknown>)[name],
  parameter: name => (({ keyword: 'secret' }) as Record<string, unknown>)[name],
  workflow: () => ({ name: 'demo', run: { name: 'run-1' } }),
  result: () => undefined,
  currentAction: () => undefined,
  callbackUrl: () => undefined,
}
const TE = { name: 'TemplateError' }
const ev = (s: string): unknown => render(compileString(s), ctx)

t.test('literals, interpolation and the @@ escape', async t => {
  t.equal(ev('plain text'), 'plain text', 'a string without @ is itself')
  t.equal(ev("@'it''s'"), "it's", 'quotes double inside literals')
  t.equal(ev('@@not an expression'), '@not an expression')
  t.equal(ev('@'), '@', "a lone '@' is text (LogicAppsUX's isTemplateExpression needs two characters)")
  t.equal(ev('@@'), '@')
  t.equal(ev('@add(1, 0)'), 1, "@expr keeps the value's type")
  t.equal(ev('@{add(1, 0)}'), '1', '@{...} always gives text, as in Logic Apps')
  t.equal(
    ev('n=@{add(1, 2)} and @{true}'),
    'n=3 and True',
    'interpolation turns values into text as string() does (a boolean as .NET writes it: True)'
  )
  t.equal(ev('list: @{createArray(1, 2)}'), 'list: [1,2]', 'arrays and objects interpolate as JSON')
  t.equal(ev("missing: @{triggerBody()?['nope']}!"), 'missing: !', 'null interpolates as empty text')
  t.same(ev('@json(\'{"a": [1, 2.5, null]}\')'), { a: [1, 2.5, null] })
  t.equal(ev('@-3'), -3)
  t.equal(ev('@null'), null)
  t.same(
    render(compileTemplate({ a: '@add(1, 1)', b: ['x', "@{concat('y', 'z')}"], c: 5 }), ctx),
    { a: 2, b: ['x', 'yz'], c: 5 },
    'templates are deep'
  )
})

t.test('property access: dot, brackets, safe navigation', async t => {
  t.equal(ev("@triggerBody()['data']['roomId']"), 'R1')
  t.equal(ev('@triggerBody().data.roomId'), 'R1')
  t.equal(ev("@triggerBody()?['data']?['nothing']?['deeper']"), null, '?[] gives null all the way down')
  t.equal(ev('@triggerBody()?.data?.roomId'), 'R1', '?. works as ?[] does')
  t.equal(ev('@triggerBody()?.nope?.deeper'), null)
  t.throws(() => ev("@triggerBody()['nothing']['deeper']"), TE, 'a plain [] on null fails the action')
  t.equal(ev("@triggerBody()?['data']?['tags'][1]"), 'b', 'arrays index by number')
  t.equal(
    ev("@triggerBody()?['DATA']?['ROOMID']"),
    'R1',
    'property names match without regard to case when no exact match exists'
  )
  t.equal(ev("@body('Get_message')?['text']"), 'Hello World')
  t.equal(ev("@outputs('Get_message')?['statusCode']"), 200)
  t.equal(ev("@items('Loop')?['title']"), 'Apollo')
  t.equal(ev("@item()['n']"), 3)
  t.equal(ev("@variables('count')"), 4)
  t.equal(ev("@parameters('keyword')"), 'secret')
  t.equal(ev("@workflow()?['run']?['name']"), 'run-1')
  t.equal(ev("@triggerOutputs()?['headers']?['content-type']"), 'application/json')
})

t.test('the functions the issue names, with Logic Apps semantics', async t => {
  const cases: Array<[string, unknown]> = [
    ["@concat('a', 1, true)", 'a1True'],
    ["@equals('ABC', 'abc')", false],
    ["@equals('abc', 'abc')", true],
    ['@equals(true, 1)', true],
    ["@startsWith('Hello', 'he')", true],
    ['@equals(1, 1.0)', true],
    ['@not(equals(1, 2))', true],
    ['@and(true, equals(1, 1), not(false))', true],
    ['@or(false, false)', false],
    ["@if(greater(2, 1), 'yes', 'no')", 'yes'],
    ["@contains('Hello World', 'World')", true],
    ["@contains(createArray('a', 'b'), 'b')", true],
    ["@contains(json('{\"k\": 1}'), 'k')", true],
    ["@startsWith('Hello', 'he')", true],
    ["@endsWith('Hello', 'LO')", true],
    ["@toLower('MiXeD')", 'mixed'],
    ["@toUpper('MiXeD')", 'MIXED'],
    ["@length('four')", 4],
    ['@length(createArray(1, 2, 3))', 3],
    ["@empty('')", true],
    ['@empty(createArray())', true],
    ["@empty(json('{}'))", true],
    ['@empty(null)', true],
    ["@empty('x')", false],
    ["@first('abc')", 'a'],
    ['@first(createArray())', null],
    ['@last(createArray(1, 2, 3))', 3],
    ["@split('a,b,,c', ',')", ['a', 'b', '', 'c']],
    ["@join(createArray('a', 'b'), '; ')", 'a; b'],
    ["@replace('a-b-c', '-', '+')", 'a+b+c'],
    ["@substring('hello world', 6)", 'world'],
    ["@substring('hello world', 0, 5)", 'hello'],
    ["@int('42')", 42],
    ['@string(42)', '42'],
    ['@string(json(\'{"a":1}\'))', '{"a":1}'],
    ["@bool('true')", true],
    ['@bool(0)', false],
    ["@json('[1]')", [1]],
    ["@coalesce(null, triggerBody()?['x'], 'fallback', 'later')", 'fallback'],
    ['@coalesce(null, null)', null],
    ['@utcNow()', '2026-03-07T14:05:09.1230000Z'],
    ["@utcNow('yyyy-MM-dd')", '2026-03-07'],
    ["@addDays('2026-02-27T10:00:00Z', 2)", '2026-03-01T10:00:00.0000000Z'],
    ["@addDays('2026-01-10T00:00:00Z', -10, 'yyyy-MM-dd')", '2025-12-31'],
    ["@addHours('2026-01-01T23:30:00Z', 1)", '2026-01-02T00:30:00.0000000Z'],
    ["@formatDateTime('2026-07-04T09:08:07.5Z', 'dd/MM/yyyy HH:mm:ss')", '04/07/2026 09:08:07'],
    ["@formatDateTime('2026-07-04T21:08:07Z', 'dddd d MMMM yyyy, h:mm tt')", 'Saturday 4 July 2026, 9:08 PM'],
    ["@formatDateTime('2026-07-04T09:08:07Z')", '2026-07-04T09:08:07.0000000Z'],
    ["@formatDateTime('2026-07-04T09:08:07Z', 'u')", '2026-07-04 09:08:07Z'],
    ["@formatDateTime('2026-07-04T09:08:07Z', 's')", '2026-07-04T09:08:07'],
    ["@formatDateTime('2026-07-04T09:08:07Z', 'r')", 'Sat, 04 Jul 2026 09:08:07 GMT'],
    ['@add(1, 2.5)', 3.5],
    ['@div(7, 2)', 3],
    ['@div(7.5, 2)', 3.75],
    ['@mod(-7, 3)', -1],
    ["@indexOf('Hello', 'L')", 2],
    ['@range(1, 3)', [1, 2, 3]],
    ['@take(createArray(1, 2, 3), 2)', [1, 2]],
    ['@skip(createArray(1, 2, 3), 2)', [3]],
    ["@take('abcdef', 2)", 'ab'],
    ['@union(createArray(1, 2), createArray(2, 3))', [1, 2, 3]],
    ['@intersection(createArray(1, 2), createArray(2, 3))', [2]],
    ["@CONCAT('function names', ' ignore case')", 'function names ignore case'],
  ]
  for (const [src, want] of cases) t.same(ev(src), want, src)
})

t.test('run-time errors are TemplateErrors with a reason', async t => {
  t.throws(() => ev("@int('nope')"), { message: /int/ })
  t.throws(() => ev("@substring('abc', 2, 5)"), TE, 'substring past the end fails, as in Logic Apps')
  t.throws(() => ev('@div(1, 0)'), TE)
  t.throws(() => ev("@addDays('not a date', 1)"), TE)
  t.throws(() => ev("@json('{bad')"), TE)
  t.throws(() => ev("@items('Other')"), /not inside that Foreach/)
  t.throws(() => ev('@toLower(createArray())'), {
    message: "The template language function 'toLower' expects its parameter to be a string. The provided value is " +
      "of type 'Array'.",
  })
})

t.test('syntax errors say where', async t => {
  for (const bad of [
    "@concat('a'",
    "@'unterminated",
    '@foo(',
    '@a b',
    "@{concat('a')",
    '@body(1,)',
    '@[1]',
    "@triggerBody()?['x'",
  ]) {
    t.throws(() => compileString(bad), { name: 'ExpressionSyntaxError' }, bad)
  }
  try {
    compileString("@concat('a', ")
  } catch (err) {
    t.ok(err instanceof ExpressionSyntaxError)
    t.match((err as ExpressionSyntaxError).message, /position|at|column|end/i, 'the message points at the place')
  }
})

t.test('.NET format strings and ISO durations', async t => {
  const d = fromEpoch(Date.parse('2026-01-02T03:04:05.0678Z'))
  t.equal(formatTimestamp(d), '2026-01-02T03:04:05.0670000Z')
  t.equal(
    formatTimestamp(d, 'yyyy-MM-ddTHH:mm:ss.fffZ'),
    '2026-01-02T03:04:05.067Z',
    'T and Z are literals in .NET custom formats'
  )
  t.equal(formatTimestamp(d, 'yyyy-MM-dd HH:mm zzz'), '2026-01-02 03:04 +00:00', 'zzz is the UTC offset')
  t.equal(formatTimestamp(d, "'Day' d 'of' MMM"), 'Day 2 of Jan')
  t.equal(formatTimestamp(d, 'D'), 'Friday, January 2, 2026')
  t.equal(formatTimestamp(d, 'hh tt'), '03 AM')
  t.equal(parseDuration('PT30S'), 30_000)
  t.equal(parseDuration('P1DT2H'), 26 * 3_600_000)
  t.equal(parseDuration('PT0.5S'), 500)
  t.equal(parseDuration('nonsense'), undefined)
})
