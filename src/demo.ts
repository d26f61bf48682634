import { encodeId, stableUuid } from './ids.js'
import { COMPLIANCE_OFFICER } from './auth/rules.js'

/*
 * The demo organisation the embedded backend seeds (backends/embedded/seed.ts): its fixed ids and tokens are what
 * the README's examples, the start banner, flow test files (`as: alice`) and the tests name, whichever part of the
 * service they run against.
 */
const ORG_ID = stableUuid('org:example')
/**
 * Webex-shaped: `<token>_<cluster>_<orgId>`, the form Webex issues and the JS SDK parses (it reads the
 * organisation from the third part and refuses a token of any other shape at init).
 */
const webexToken = (name: string): string => `Demo${name}AccessToken_PF84_${ORG_ID}`

/** The demo organisation: fixed ids and tokens so the README's curl examples work verbatim. */
export const DEMO = {
  orgId: ORG_ID,
  tokens: {
    alice: webexToken('Alice'),
    bob: webexToken('Bob'),
    carol: webexToken('Carol'),
    dave: webexToken('Dave'),
  },
  /** The tokens of earlier releases, still accepted so existing scripts keep working. */
  aliases: { alice: 'demo-alice-token', bob: 'demo-bob-token', carol: 'demo-carol-token', dave: 'demo-dave-token' },
  people: {
    alice: {
      id: stableUuid('person:alice'),
      email: 'alice@example.com',
      first: 'Alice',
      last: 'Johnson',
      roles: [] as string[],
    },
    bob: {
      id: stableUuid('person:bob'),
      email: 'bob@example.com',
      first: 'Bob',
      last: 'Smith',
      roles: [] as string[],
    },
    carol: {
      id: stableUuid('person:carol'),
      email: 'carol@example.com',
      first: 'Carol',
      last: 'Compliance',
      roles: [COMPLIANCE_OFFICER],
    },
    dave: {
      id: stableUuid('person:dave'),
      email: 'dave@example.com',
      first: 'Dave',
      last: 'Lee',
      roles: [] as string[],
    },
  },
  partner: {
    orgId: stableUuid('org:partner'),
    id: stableUuid('person:pat'),
    email: 'pat@partner.test',
    first: 'Pat',
    last: 'Partner',
  },
  teamId: stableUuid('team:product'),
  rooms: {
    general: stableUuid('room:product-general'),
    apollo: stableUuid('room:apollo'),
    finance: stableUuid('room:finance'),
    direct: stableUuid('room:alice-bob'),
  },
  messages: { welcome: stableUuid('message:welcome'), mention: stableUuid('message:mention') },
}

/** Webex ids of the demo objects, for the start banner and the tests. */
export const DEMO_IDS = {
  alice: encodeId('PEOPLE', DEMO.people.alice.id),
  bob: encodeId('PEOPLE', DEMO.people.bob.id),
  carol: encodeId('PEOPLE', DEMO.people.carol.id),
  dave: encodeId('PEOPLE', DEMO.people.dave.id),
  pat: encodeId('PEOPLE', DEMO.partner.id),
  team: encodeId('TEAM', DEMO.teamId),
  general: encodeId('ROOM', DEMO.rooms.general),
  apollo: encodeId('ROOM', DEMO.rooms.apollo),
  finance: encodeId('ROOM', DEMO.rooms.finance),
  direct: encodeId('ROOM', DEMO.rooms.direct),
  welcome: encodeId('MESSAGE', DEMO.messages.welcome),
  mention: encodeId('MESSAGE', DEMO.messages.mention),
}
