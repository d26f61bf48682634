/**
 * Every example with a stated result in Microsoft's "Reference guide to functions in expressions for
 * workflows in Azure Logic Apps and Power Automate" (articles/logic-apps/expression-functions-reference.md,
 * MicrosoftDocs/azure-docs, ms.date 10/06/2025), written out from the page, in its order. `doc` is the result
 * the page states; `want` is set where the page contradicts itself or Logic Apps, with `note` saying why:
 * the test expects `want ?? doc`, and reference-count.ts counts how many give `doc` exactly.
 *
 * The examples' scenario (the page's `Get_user` action, parameters, variables, the form-data actions) is the
 * fixture below; a few examples set their own clock or parameters.
 */
import type { EvalContext, ScopeResult } from '../../src/flows/functions.js'

export interface Example {
  expr: string
  doc: unknown
  want?: unknown
  note?: string
  /** How to compare: deep JSON equality (default), a regular expression on the text, or one of a set. */
  match?: RegExp | unknown[]
  now?: string
  parameters?: Record<string, unknown>
}

export const GET_USER_BODY = {
  FullName: 'Contoso Corporation',
  Location: 'Generic Town, USA',
  Id: 283541717,
  UserName: 'ContosoInc',
  FollowersCount: 172,
  Description: 'Leading the way in transforming the digital workplace.',
  StatusesCount: 93,
  FriendsCount: 126,
  FavouritesCount: 46,
  ProfileImageUrl: 'https://pbs.twimg.com/profile_images/908820389907722240/gG9zaHcd_400x400.jpg',
}

export const GET_USER_OUTPUTS = {
  statusCode: 200,
  headers: {
    Pragma: 'no-cache',
    Vary: 'Accept-Encoding',
    'x-ms-request-id': 'a916ec8f52211265d98159adde2efe0b',
    'X-Content-Type-Options': 'nosniff',
    'Timing-Allow-Origin': '*',
    'Cache-Control': 'no-cache',
    Date: 'Mon, 09 Apr 2018 18:47:12 GMT',
    'Set-Cookie':
      'ARRAffinity=b9400932367ab5e3b6802e3d6158afffb12fcde8666715f5a5fbd4142d0f0b7d;Path=/;HttpOnly;' +
      'Domain=twitter-wus.azconn-wus.p.azurewebsites.net',
    'X-AspNet-Version': '4.0.30319',
    'X-Powered-By': 'ASP.NET',
    'Content-Type': 'application/json; charset=utf-8',
    Expires: '-1',
    'Content-Length': '339',
  },
  body: GET_USER_BODY,
}

const ITEMS =
  '<?xml version="1.0"?><produce><item><name>Gala</name><type>apple</type><count>20</count></item>' +
  '<item><name>Honeycrisp</name><type>apple</type><count>10</count></item></produce>'
const ITEMS_EXPIRED =
  '<?xml version="1.0"?><produce><item><name expired=\'true\'>Gala</name><type>apple</type><count>20</count></item>' +
  "<item><name expired='false'>Honeycrisp</name><type>apple</type><count>10</count></item></produce>"
const ITEMS_ONE_EXPIRED =
  '<?xml version="1.0"?><produce><item><name expired=\'true\'>Gala</name><type>apple</type><count>20</count></item>' +
  '<item><name>Honeycrisp</name><type>apple</type><count>10</count></item></produce>'
const ITEMS_PRICED =
  "<?xml version=\"1.0\"?><produce><item><name expired='true' " +
    "price='12'>Gala</name><type>apple</type><count>20</count></item>" +
  "<item><name expired='false' price='40'>Honeycrisp</name><type>apple</type><count>10</count></item></produce>"
export const HTTP_XML = '<?xml version="1.0"?><file xmlns="https://contoso.com"><location>Paris</location></file>'

const ARRAY_XML =
  '<root><array><ID>1</ID><Name>James</Name></array><array><ID>2</ID><Name>John</Name></array>' +
  '<array><ID>3</ID><Name>Sam</Name></array></root>'
const JAMES = '[{ "ID": 1, "Name": "James" }, { "ID": 2, "Name": "John" }, { "ID": 3, "Name": "Sam" }]'

const FEED = 'https://feeds.a.dj.com/rss/RSSMarketsMain.xml'
const LOCATION = '<location xmlns="https://contoso.com">Paris</location>'

/** The scenario the page's examples assume. */
export function fixture (example: Pick<Example, 'now' | 'parameters'> = {}): EvalContext {
  const now = Date.parse(example.now ?? '2018-03-01T00:00:00Z')
  const base64 = (s: string): string => Buffer.from(s).toString('base64')
  const actions: Record<string, { outputs: unknown; body: unknown; status?: string }> = {
    Get_user: { outputs: GET_USER_OUTPUTS, body: GET_USER_BODY },
    Http: { outputs: { statusCode: 200, headers: {}, body: HTTP_XML }, body: HTTP_XML },
    Send_an_email: {
      outputs: {
        statusCode: 200,
        body: {
          '$content-type': 'application/x-www-form-urlencoded',
          $content: base64('Subject=Hello%20world'),
          $formdata: [{ key: 'Subject', value: 'Hello world' }],
        },
      },
      body: null,
    },
    Compose1: { outputs: JSON.parse(JAMES), body: JSON.parse(JAMES) },
    Compose2: { outputs: { root: { array: JSON.parse(JAMES) } }, body: { root: { array: JSON.parse(JAMES) } } },
  }
  const parameters: Record<string, unknown> = {
    fullName: 'Sophia Owen',
    firstName: 'Sophia',
    lastName: 'Owen',
    items: ITEMS,
    ...example.parameters,
  }
  return {
    // The page's utcNow() examples were taken at 2025-09-25T05:18:31.3384797Z: a clock with ticks.
    now: () => (example.now?.includes('.3384797') ? Date.parse('2025-09-25T05:18:31.338Z') + 0.4797 : now),
    triggerOutputs: () => ({
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: {
        '$content-type': 'application/x-www-form-urlencoded',
        $content: base64(`feedUrl=${encodeURIComponent(FEED)}`),
        $formdata: [{ key: 'feedUrl', value: FEED }],
      },
    }),
    action: name => {
      const a = actions[name]
      return a ? { name, status: 'Succeeded', outputs: a.outputs, body: a.body } : undefined
    },
    item: () => {
      throw new Error('no loop in the reference examples')
    },
    iterationIndex: () => 0,
    variable: name => (name === 'numItems' ? 20 : undefined),
    parameter: name => parameters[name],
    workflow: () => ({ name: 'reference', run: { name: '08585004363290835095277375624CU45' } }),
    result: (): ScopeResult | undefined => undefined,
    currentAction: () => undefined,
    callbackUrl: () => undefined,
  }
}

const T = 'https://www.contoso.com/catalog/shownew.htm?date=today'
const TS = '2018-03-15T13:27:36Z'
const UTC_NOW = '2025-09-25T05:18:31.3384797Z'
const person = (id: string, name: string): Record<string, string> => ({ '@id': id, name, occupation: 'Engineer' })
const gala = (attrs = ''): string => `<name${attrs}>Gala</name>`
const honeycrisp = (attrs = ''): string => `<name${attrs}>Honeycrisp</name>`

export const EXAMPLES: Example[] = [
  // The introduction.
  { expr: "toLower('Hello')", doc: 'hello' },
  {
    expr: 'guid()',
    doc: 'c2ecc88d-88c8-4096-912c-d6f2e2b138ce',
    match: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
  },
  { expr: "concat('Sophia', 'Owen')", doc: 'SophiaOwen' },
  { expr: "concat(parameters('firstName'), parameters('lastName'))", doc: 'SophiaOwen' },
  // A
  {
    expr: "actions('Get_user').outputs.body.status",
    doc: 'Succeeded',
    want: { error: /property 'status' doesn't exist/ },
    note:
      "The page's own Get_user body (the body() and outputs() examples) has no status property, so this fails as " +
      "it would in Logic Apps; the action's status is actions('Get_user').status, tested beside the examples.",
  },
  { expr: 'add(1, 1.5)', doc: 2.5 },
  { expr: "addDays('2018-03-15T00:00:00Z', 10)", doc: '2018-03-25T00:00:00.0000000Z' },
  { expr: "addDays('2018-03-15T00:00:00Z', -5)", doc: '2018-03-10T00:00:00.0000000Z' },
  { expr: "addHours('2018-03-15T00:00:00Z', 10)", doc: '2018-03-15T10:00:00.0000000Z' },
  { expr: "addHours('2018-03-15T15:00:00Z', -5)", doc: '2018-03-15T10:00:00.0000000Z' },
  { expr: "addMinutes('2018-03-15T00:10:00Z', 10)", doc: '2018-03-15T00:20:00.0000000Z' },
  { expr: "addMinutes('2018-03-15T00:20:00Z', -5)", doc: '2018-03-15T00:15:00.0000000Z' },
  {
    expr: 'addProperty(json(\'{ "firstName": "Sophia", "lastName": "Owen" }\'), \'middleName\', \'Anne\')',
    doc: { firstName: 'Sophia', middleName: 'Anne', surName: 'Owen' },
    want: { firstName: 'Sophia', lastName: 'Owen', middleName: 'Anne' },
    note: 'The page builds the object with lastName but shows surName in the result; the property added is appended.',
  },
  {
    expr:
      'setProperty(json(\'{ "customerName": { "firstName": "Sophia", "surName": "Owen" } }\'), \'customerName\', ' +
      'addProperty(json(\'{ "customerName": { "firstName": "Sophia", "surName": "Owen" } }\')[\'customerName\'], ' +
        '\'middleName\', \'Anne\'))',
    doc: { customerName: { firstName: 'Sophia', middleName: 'Anne', surName: 'Owen' } },
  },
  { expr: "addSeconds('2018-03-15T00:00:00Z', 10)", doc: '2018-03-15T00:00:10.0000000Z' },
  { expr: "addSeconds('2018-03-15T00:00:30Z', -5)", doc: '2018-03-15T00:00:25.0000000Z' },
  { expr: "addToTime('2018-01-01T00:00:00Z', 1, 'Day')", doc: '2018-01-02T00:00:00.0000000Z' },
  { expr: "addToTime('2018-01-01T00:00:00Z', 1, 'Day', 'D')", doc: 'Tuesday, January 2, 2018' },
  { expr: 'and(true, true)', doc: true },
  { expr: 'and(false, true)', doc: false },
  { expr: 'and(false, false)', doc: false },
  { expr: 'and(equals(1, 1), equals(2, 2))', doc: true },
  { expr: 'and(equals(1, 1), equals(1, 2))', doc: false },
  { expr: 'and(equals(1, 2), equals(1, 3))', doc: false },
  { expr: "array('hello')", doc: ['hello'] },
  // B
  { expr: "base64('hello')", doc: 'aGVsbG8=' },
  { expr: "base64ToString('aGVsbG8=')", doc: 'hello' },
  { expr: "body('Get_user')", doc: GET_USER_BODY },
  { expr: 'bool(1)', doc: true },
  { expr: 'bool(0)', doc: false },
  { expr: 'bool(-1)', doc: true },
  { expr: "bool('true')", doc: true },
  { expr: "bool('false')", doc: false },
  // C
  { expr: "chunk('abcdefghijklmnopqrstuvwxyz', 10)", doc: ['abcdefghij', 'klmnopqrst', 'uvwxyz'] },
  {
    expr: 'chunk(createArray(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12), 5)',
    doc: [
      [1, 2, 3, 4, 5],
      [6, 7, 8, 9, 10],
      [11, 12],
    ],
  },
  { expr: 'coalesce(null, true, false)', doc: true },
  { expr: "coalesce(null, 'hello', 'world')", doc: 'hello' },
  { expr: 'coalesce(null, null, null)', doc: null },
  { expr: "concat('Hello', 'World')", doc: 'HelloWorld' },
  { expr: "contains('hello world', 'world')", doc: true },
  { expr: "contains('hello world', 'universe')", doc: false },
  {
    expr: "convertFromUtc('2018-01-01T08:00:00.0000000Z', 'Pacific Standard Time')",
    doc: '2018-01-01T00:00:00.0000000',
  },
  {
    expr: "convertFromUtc('2018-01-01T08:00:00.0000000Z', 'Pacific Standard Time', 'D')",
    doc: 'Monday, January 1, 2018',
  },
  {
    expr: "convertTimeZone('2018-01-01T08:00:00.0000000Z', 'UTC', 'Pacific Standard Time')",
    doc: '2018-01-01T00:00:00.0000000',
  },
  {
    expr: "convertTimeZone('2018-01-01T80:00:00.0000000Z', 'UTC', 'Pacific Standard Time', 'D')",
    doc: 'Monday, January 1, 2018',
    want: { error: /convertTimeZone.*timestamp/ },
    note: "The page's timestamp has the hour 80, which no timestamp has: Logic Apps fails the expression.",
  },
  { expr: "convertToUtc('01/01/2018 00:00:00', 'Pacific Standard Time')", doc: '2018-01-01T08:00:00.0000000Z' },
  { expr: "convertToUtc('01/01/2018 00:00:00', 'Pacific Standard Time', 'D')", doc: 'Monday, January 1, 2018' },
  { expr: "createArray('h', 'e', 'l', 'l', 'o')", doc: ['h', 'e', 'l', 'l', 'o'] },
  // D
  { expr: "dataUri('hello')", doc: 'data:text/plain;charset=utf-8;base64,aGVsbG8=' },
  {
    expr: "dataUriToBinary('data:text/plain;charset=utf-8;base64,aGVsbG8=')",
    doc:
      '01100100011000010111010001100001001110100111010001100101011110000111010000101111011100000' +
      '1101100011000010110100101101110001110110110001101101000011000010111001001110011011001010111' +
      '0100001111010111010101110100011001100010110100111000001110110110001001100001011100110110010' +
      '10011011000110100001011000110000101000111010101100111001101100010010001110011100000111101',
    want: { '$content-type': 'text/plain;charset=utf-8', $content: 'aGVsbG8=' },
    note:
      'The page shows the bits of the data URI text itself. Logic Apps returns the binary content the URI holds, ' +
      'as its content envelope.',
  },
  { expr: "dataUriToString('data:text/plain;charset=utf-8;base64,aGVsbG8=')", doc: 'hello' },
  { expr: "dateDifference('2015-02-08', '2018-07-30')", doc: '1268.00:00:00' },
  { expr: `dayOfMonth('${TS}')`, doc: 15 },
  { expr: `dayOfWeek('${TS}')`, doc: 4 },
  { expr: `dayOfYear('${TS}')`, doc: 74 },
  { expr: "decimal('1.2345678912312131')", doc: 1.234567891231213 },
  { expr: "string(decimal('1.2345678912312131'))", doc: '1.2345678912312131' },
  { expr: "add(decimal('1.2345678912312131'), decimal('1.2345678912312131'))", doc: 2.469135782462426 },
  { expr: "string(add(decimal('1.2345678912312131'), decimal('1.2345678912312131')))", doc: '2.4691357824624262' },
  {
    expr: "decodeDataUri('data:text/plain;charset=utf-8;base64,aGVsbG8=')",
    doc: 'hello',
    want: { '$content-type': 'text/plain;charset=utf-8', $content: 'aGVsbG8=' },
    note: 'The result is binary content (its envelope in JSON); as text, string() of it, it is the documented "hello".',
  },
  { expr: "string(decodeDataUri('data:text/plain;charset=utf-8;base64,aGVsbG8='))", doc: 'hello' },
  { expr: "decodeUriComponent('https%3A%2F%2Fcontoso.com')", doc: 'https://contoso.com' },
  { expr: 'div(10,5)', doc: 2 },
  { expr: 'div(11,5)', doc: 2 },
  { expr: 'div(11,5.0)', doc: 2.2 },
  { expr: 'div(11.0,5)', doc: 2.2 },
  // E
  { expr: "encodeUriComponent('https://contoso.com')", doc: 'https%3A%2F%2Fcontoso.com' },
  { expr: "empty('')", doc: true },
  { expr: "empty('abc')", doc: false },
  { expr: "endsWith('hello world', 'world')", doc: true },
  { expr: "endsWith('hello world', 'universe')", doc: false },
  { expr: 'equals(true, 1)', doc: true },
  { expr: "equals('abc', 'abcd')", doc: false },
  // F
  { expr: "first('hello')", doc: 'h' },
  { expr: 'first(createArray(0, 1, 2))', doc: 0 },
  { expr: "float('10,000.333')", doc: 10000.333 },
  { expr: "float('10.000,333', 'de-DE')", doc: 10000.333 },
  { expr: "float('12,3,4,5678')", doc: 12345678 },
  { expr: "float('1234567,8+')", doc: 12345678 },
  { expr: "float('12345,6,78,-')", doc: -12345678 },
  { expr: "float('-12,345,678,')", doc: -12345678 },
  { expr: "float('12345678.-')", doc: -12345678 },
  { expr: "float('.12345678')", doc: 0.12345678 },
  { expr: "formatDateTime('03/15/2018')", doc: '2018-03-15T00:00:00.0000000' },
  { expr: "formatDateTime('03/15/2018 12:00:00', 'yyyy-MM-ddTHH:mm:ss')", doc: '2018-03-15T12:00:00' },
  { expr: "formatDateTime('01/31/2016', 'dddd MMMM d')", doc: 'Sunday January 31' },
  { expr: "formatDateTime('01/31/2016', 'dddd MMMM d', 'fr-fr')", doc: 'dimanche janvier 31' },
  { expr: "formatDateTime('01/31/2016', 'dddd MMMM d', 'fr-FR')", doc: 'dimanche janvier 31' },
  { expr: "formatDateTime('01/31/2016', 'dddd MMMM d', 'es-es')", doc: 'domingo enero 31' },
  { expr: "formDataMultiValues('Send_an_email', 'Subject')", doc: ['Hello world'] },
  { expr: "formDataValue('Send_an_email', 'Subject')", doc: 'Hello world' },
  { expr: "formatNumber(1234567890, '#,##0.00', 'en-US')", doc: '1,234,567,890.00' },
  { expr: "formatNumber(1234567890, '#,##0.00', 'is-IS')", doc: '1.234.567.890,00' },
  { expr: "formatNumber(17.35, 'C2')", doc: '$17.35' },
  {
    expr: "formatNumber(17.35, 'C2', 'is-IS')",
    doc: '17,35 kr',
    want: '17,35\u00a0kr.',
    note:
      "Culture data: CLDR (which .NET reads on ICU, and Intl here) writes the Icelandic krona 'kr.' after a " +
      'no-break space; the page shows the older Windows symbol.',
  },
  // G
  { expr: "getFutureTime(5, 'Day')", doc: '2018-03-06T00:00:00.0000000Z', now: '2018-03-01T00:00:00Z' },
  { expr: "getFutureTime(5, 'Day', 'D')", doc: 'Tuesday, March 6, 2018', now: '2018-03-01T00:00:00Z' },
  { expr: "getPastTime(5, 'Day')", doc: '2018-01-27T00:00:00.0000000Z', now: '2018-02-01T00:00:00Z' },
  { expr: "getPastTime(5, 'Day', 'D')", doc: 'Saturday, January 27, 2018', now: '2018-02-01T00:00:00Z' },
  { expr: 'greater(10, 5)', doc: true },
  { expr: "greater('apple', 'banana')", doc: false },
  { expr: 'greaterOrEquals(5, 5)', doc: true },
  { expr: "greaterOrEquals('apple', 'banana')", doc: false },
  {
    expr: "guid('P')",
    doc: '(c2ecc88d-88c8-4096-912c-d6f2e2b138ce)',
    match: /^\([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\)$/,
  },
  // I
  { expr: "if(equals(1, 1), 'yes', 'no')", doc: 'yes' },
  { expr: "indexOf('hello world', 'world')", doc: 6 },
  { expr: "int('10')", doc: 10 },
  { expr: "isFloat('10,000.00')", doc: true },
  { expr: "isFloat('10.000,00', 'de-DE')", doc: true },
  { expr: "isInt('10')", doc: true },
  // J
  { expr: "json('[1, 2, 3]')", doc: [1, 2, 3] },
  { expr: 'json(\'{"fullName": "Sophia Owen"}\')', doc: { fullName: 'Sophia Owen' } },
  {
    expr: 'json(xml(\'<?xml version="1.0"?> <root> <person id="1"> <name>Sophia Owen</name> ' +
      '<occupation>Engineer</occupation> </person> </root>\'))',
    doc: { '?xml': { '@version': '1.0' }, root: { person: person('1', 'Sophia Owen') } },
  },
  {
    expr:
      'json(xml(\'<?xml version="1.0"?> <root> <person id="1"> <name>Sophia Owen</name> ' +
        '<occupation>Engineer</occupation> </person> ' +
      '<person id="2"> <name>John Doe</name> <occupation>Engineer</occupation> </person> </root>\'))',
    doc: { '?xml': { '@version': '1.0' }, root: { person: [person('1', 'Sophia Owen'), person('2', 'John Doe')] } },
  },
  { expr: 'intersection(createArray(1, 2, 3), createArray(101, 2, 1, 10), createArray(6, 8, 1, 2))', doc: [1, 2] },
  { expr: "join(createArray('a', 'b', 'c'), '.')", doc: 'a.b.c' },
  // L
  { expr: "last('abcd')", doc: 'd' },
  { expr: 'last(createArray(0, 1, 2, 3))', doc: 3 },
  { expr: "lastIndexOf('hello world hello world', 'world')", doc: 18 },
  { expr: "lastIndexOf('hello world hello world', '')", doc: 22 },
  { expr: "length('abcd')", doc: 4 },
  { expr: 'length(createArray(0, 1, 2, 3))', doc: 4 },
  { expr: 'less(5, 10)', doc: true },
  { expr: "less('banana', 'apple')", doc: false },
  { expr: 'lessOrEquals(10, 10)', doc: true },
  { expr: "lessOrEquals('apply', 'apple')", doc: false },
  // M
  { expr: 'max(1, 2, 3)', doc: 3 },
  { expr: 'max(createArray(1, 2, 3))', doc: 3 },
  { expr: 'min(1, 2, 3)', doc: 1 },
  { expr: 'min(createArray(1, 2, 3))', doc: 1 },
  { expr: 'mod(3, 2)', doc: 1 },
  { expr: 'mod(-5, 2)', doc: -1 },
  { expr: 'mod(4, -3)', doc: 1 },
  { expr: 'mul(1, 2)', doc: 2 },
  { expr: 'mul(1.5, 2)', doc: 3 },
  // N
  { expr: 'not(false)', doc: true },
  { expr: 'not(true)', doc: false },
  { expr: 'not(equals(1, 2))', doc: true },
  { expr: 'not(equals(1, 1))', doc: false },
  { expr: "nthIndexOf('123456789123465789', '1', 1)", doc: 0 },
  { expr: "nthIndexOf('123456789123465789', '1', 2)", doc: 9 },
  { expr: "nthIndexOf('123456789123465789', '12', 2)", doc: 9 },
  { expr: "nthIndexOf('123456789123465789', '6', 4)", doc: -1 },
  // O
  { expr: 'or(true, false)', doc: true },
  { expr: 'or(false, false)', doc: false },
  { expr: 'or(equals(1, 1), equals(1, 2))', doc: true },
  { expr: 'or(equals(1, 2), equals(1, 3))', doc: false },
  { expr: "outputs('Get_user')", doc: GET_USER_OUTPUTS },
  // P
  { expr: "parameters('fullName')", doc: 'Sophia Owen' },
  { expr: "parseDateTime('20/10/2014', 'fr-fr')", doc: '2014-10-20T00:00:00.0000000' },
  { expr: "parseDateTime('20 octobre 2010', 'fr-FR')", doc: '2010-10-20T00:00:00.0000000' },
  { expr: "parseDateTime('martes 20 octubre 2020', 'es-es')", doc: '2020-10-20T00:00:00.0000000' },
  { expr: "parseDateTime('21052019', 'fr-fr', 'ddMMyyyy')", doc: '2019-05-21T00:00:00.0000000' },
  { expr: "parseDateTime('20190521', 'fr-fr', 'yyyyMMdd')", doc: '2019-05-21T00:00:00.0000000' },
  { expr: "parseDateTime('10/20/2014 15h', 'en-US', 'MM/dd/yyyy HH\\h')", doc: '2014-10-20T15:00:00.0000000' },
  // R
  { expr: 'rand(1, 5)', doc: 1, match: [1, 2, 3, 4] },
  { expr: 'range(1, 4)', doc: [1, 2, 3, 4] },
  {
    expr:
      'removeProperty(json(\'{ "firstName": "Sophia", "middleName": "Anne", "surName": "Owen" }\'), ' +
      "'middleName')",
    doc: { firstName: 'Sophia', surName: 'Owen' },
  },
  {
    expr:
      'removeProperty(json(\'{ "customerName": { "firstName": "Sophia", "middleName": "Anne", "surName": "Owen" } ' +
      "}')['customerName'], 'middleName')",
    doc: { firstName: 'Sophia', surName: 'Owen' },
    note: 'The page shows the result wrapped in customerName; the expression removes from the inner object and ' +
      'returns it.',
    want: { firstName: 'Sophia', surName: 'Owen' },
  },
  { expr: "replace('the old string', 'old', 'new')", doc: 'the new string' },
  { expr: 'reverse(createArray(0, 1, 2, 3))', doc: [3, 2, 1, 0] },
  // S
  {
    expr: 'setProperty(json(\'{ "firstName": "Sophia", "surName": "Owen" }\'), \'surName\', \'Hartnett\')',
    doc: { firstName: 'Sophia', surName: 'Hartnett' },
  },
  {
    expr:
      'setProperty(json(\'{ "customerName": { "firstName": "Sophia", "surName": "Owen" } }\'), \'customerName\', ' +
      'setProperty(json(\'{ "customerName": { "firstName": "Sophia", "surName": "Owen" } }\')[\'customerName\'], ' +
        '\'surName\', \'Hartnett\'))',
    doc: { customerName: { firstName: 'Sophie', surName: 'Hartnett' } },
    want: { customerName: { firstName: 'Sophia', surName: 'Hartnett' } },
    note: "The page's input says Sophia and its result Sophie: a typo; the first name is not touched.",
  },
  { expr: 'skip(createArray(0, 1, 2, 3), 1)', doc: [1, 2, 3] },
  { expr: "slice('Hello World', 2)", doc: 'llo World' },
  { expr: "slice('Hello World', 30)", doc: '' },
  { expr: "slice('Hello World', 10, 2)", doc: '' },
  { expr: "slice('Hello World', 0)", doc: 'Hello World' },
  { expr: "slice('Hello World', 2, 5)", doc: 'llo' },
  { expr: "slice('Hello World', 6, 20)", doc: 'World' },
  { expr: "slice('Hello World', -2)", doc: 'ld' },
  { expr: "slice('Hello World', 3, -1)", doc: 'lo Worl' },
  { expr: "slice('Hello World', 3, 3)", doc: '' },
  { expr: 'sort(createArray(2, 1, 0, 3))', doc: [0, 1, 2, 3] },
  {
    expr:
      'sort(createArray(json(\'{ "first": "Amalie", "last": "Rose" }\'), ' +
      'json(\'{ "first": "Elise", "last": "Renee" }\')), \'last\')',
    doc: [
      { first: 'Elise', last: 'Renee' },
      { first: 'Amalie', last: 'Rose' },
    ],
  },
  { expr: "split('a_b_c', '_')", doc: ['a', 'b', 'c'] },
  { expr: "split('a_b_c', ' ')", doc: ['a_b_c'] },
  { expr: "startOfDay('2018-03-15T13:30:30Z')", doc: '2018-03-15T00:00:00.0000000Z' },
  { expr: "startOfHour('2018-03-15T13:30:30Z')", doc: '2018-03-15T13:00:00.0000000Z' },
  { expr: "startOfMonth('2018-03-15T13:30:30Z')", doc: '2018-03-01T00:00:00.0000000Z' },
  { expr: "startOfMonth('2018-03-15T13:30:30Z', 'yyyy-MM-dd')", doc: '2018-03-01' },
  { expr: "startsWith('hello world', 'hello')", doc: true },
  { expr: "startsWith('hello world', 'greetings')", doc: false },
  { expr: 'string(10)', doc: '10' },
  {
    expr: 'string(json(\'{ "name": "Sophie Owen" }\'))',
    doc: '{ \\"name\\": \\"Sophie Owen\\" }',
    want: '{"name":"Sophie Owen"}',
    note:
      'The page writes string( { "name": "Sophie Owen" } ), but the language has no object literals (json() makes ' +
      'the object), and its result shows the escaping of code view. string() writes compact JSON.',
  },
  { expr: 'sub(10.3, .3)', doc: 10 },
  { expr: "substring('hello world', 6, 5)", doc: 'world' },
  { expr: "subtractFromTime('2018-01-02T00:00:00Z', 1, 'Day')", doc: '2018-01-01T00:00:00.0000000Z' },
  {
    expr: "subtractFromTime('2018-01-02T00:00:00Z', 1, 'Day', 'D')",
    doc: 'Monday, January, 1, 2018',
    want: 'Monday, January 1, 2018',
    note: 'A typo on the page: \'D\' is "dddd, MMMM d, yyyy" (the addToTime and getPastTime examples agree).',
  },
  // T
  { expr: "take('abcde', 3)", doc: 'abc' },
  { expr: 'take(createArray(0, 1, 2, 3, 4), 3)', doc: [0, 1, 2] },
  { expr: "toLower('Hello World')", doc: 'hello world' },
  { expr: "toUpper('Hello World')", doc: 'HELLO WORLD' },
  { expr: "triggerFormDataMultiValues('feedUrl')", doc: [FEED] },
  { expr: "triggerFormDataValue('feedUrl')", doc: FEED },
  { expr: "trim(' Hello World  ')", doc: 'Hello World' },
  // U
  { expr: 'union(createArray(1, 2, 3), createArray(1, 2, 10, 101))', doc: [1, 2, 3, 10, 101] },
  { expr: "uriComponent('https://contoso.com')", doc: 'https%3A%2F%2Fcontoso.com' },
  { expr: "uriComponentToBinary('https%3A%2F%2Fcontoso.com')['$content']", doc: 'aHR0cHM6Ly9jb250b3NvLmNvbQ==' },
  { expr: "uriComponentToString('https%3A%2F%2Fcontoso.com')", doc: 'https://contoso.com' },
  { expr: "uriHost('https://www.localhost.com:8080')", doc: 'www.localhost.com' },
  { expr: `uriPath('${T}')`, doc: '/catalog/shownew.htm' },
  { expr: `uriPathAndQuery('${T}')`, doc: '/catalog/shownew.htm?date=today' },
  { expr: "uriPort('https://www.localhost:8080')", doc: 8080 },
  { expr: `uriQuery('${T}')`, doc: '?date=today' },
  {
    expr: `uriScheme('${T}')`,
    doc: 'http',
    want: 'https',
    note: "The page's URI is https; its stated scheme is a typo.",
  },
  { expr: 'utcNow()', doc: '2025-09-25T05:18:31.3384797Z', now: UTC_NOW },
  { expr: "utcNow('u')", doc: '2025-09-25 05:18:31Z', now: UTC_NOW },
  { expr: "utcNow('U')", doc: 'Thursday, September 25, 2025 5:18:31 AM', now: UTC_NOW },
  { expr: "utcNow('d')", doc: '9/25/2025', now: UTC_NOW },
  { expr: "utcNow('D')", doc: 'Thursday, September 25, 2025', now: UTC_NOW },
  { expr: "utcNow('t')", doc: '5:18 AM', now: UTC_NOW },
  { expr: "utcNow('T')", doc: '5:18:31 AM', now: UTC_NOW },
  { expr: "utcNow('y')", doc: 'September 2025', now: UTC_NOW },
  { expr: "utcNow('yyyy')", doc: '2025', now: UTC_NOW },
  { expr: "utcNow('ddd, d MMM yyyy')", doc: 'Thu, 25 Sep 2025', now: UTC_NOW },
  // V
  { expr: "variables('numItems')", doc: 20 },
  // X
  { expr: "string(xml('<name>Sophia Owen</name>'))", doc: '<name>Sophia Owen</name>' },
  { expr: 'string(xml(json(\'{ "name": "Sophia Owen" }\')))', doc: '<name>Sophia Owen</name>' },
  {
    expr: 'string(xml(json(\'{"person": {"name": "Sophia Owen", "city": "Seattle"}}\')))',
    doc: '<person><name>Sophia Owen</name><city>Seattle</city><person>',
    want: '<person><name>Sophia Owen</name><city>Seattle</city></person>',
    note: 'The page leaves the closing tag without its slash (and indents; XML text here is unindented, as .NET ' +
      'writes it).',
  },
  { expr: `string(xml(json('{"root":{"array":${JAMES}}}')))`, doc: ARRAY_XML },
  { expr: "string(xml(outputs('Compose2')))", doc: ARRAY_XML },
  { expr: "string(xml(json(concat('{\"root\":{\"array\":', outputs('Compose1'), '}}'))))", doc: ARRAY_XML },
  {
    expr: "string(xml(addProperty(json('{}'), 'root', addProperty(json('{}'), 'array', outputs('Compose1')))))",
    doc: ARRAY_XML,
  },
  { expr: "xpath(xml(parameters('items')), '/produce/item/name/text()')", doc: ['Gala', 'Honeycrisp'] },
  {
    expr: "xpath(xml(parameters('items')), '/produce/item/name[1]')",
    doc: 'Gala',
    want: [gala(), honeycrisp()],
    note:
      "name[1] is the first name of each item: XPath selects both names (the page's reading, the first name of all, " +
      'is (/produce/item/name)[1]); a node set is an array of XML nodes, as in Logic Apps.',
  },
  {
    expr: "xpath(xml(parameters('items')), '/produce/item/name[last()]')",
    doc: 'Honeycrisp',
    want: [gala(), honeycrisp()],
    note: 'As above: each item has one name, which is also its last.',
  },
  {
    expr: "xpath(xml(parameters('items')), '//name[@expired]')",
    doc: ['Gala', 'Honeycrisp'],
    parameters: { items: ITEMS_EXPIRED },
    want: [gala(' expired="true"'), honeycrisp(' expired="false"')],
    note: 'The page lists the nodes by their text; they are XML nodes.',
  },
  {
    expr: "xpath(xml(parameters('items')), '//name[@expired = ''true'']')",
    doc: ['Gala'],
    parameters: { items: ITEMS_ONE_EXPIRED },
    want: [gala(' expired="true"')],
    note: "The page lists the node by its text (and writes the quotes unescaped, '' in the language).",
  },
  {
    expr: "xpath(xml(parameters('items')), '//name[@price>35]')",
    doc: 'Honeycrisp',
    parameters: { items: ITEMS_PRICED },
    want: [honeycrisp(' expired="false" price="40"')],
    note: 'A node set is an array even with one node (the page shows [ Gala ] in the previous example).',
  },
  { expr: "xpath(xml(parameters('items')), 'sum(/produce/item/count)')", doc: 30 },
  {
    expr: 'xpath(xml(body(\'Http\')), \'/*[name()="file"]/*[name()="location"]\')',
    doc: LOCATION,
    want: [LOCATION],
    note: 'The page shows the matching node; a node set is an array, here of one XML node.',
  },
  {
    expr: 'xpath(xml(body(\'Http\')), \'/*[local-name()="file" and ' +
      'namespace-uri()="https://contoso.com"]/*[local-name()="location"]\')',
    doc: LOCATION,
    want: [LOCATION],
    note: 'As above.',
  },
  { expr: 'xpath(xml(body(\'Http\')), \'string(/*[name()="file"]/*[name()="location"])\')', doc: 'Paris' },
]
