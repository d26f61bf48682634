import { contractOnPostgres } from './helpers/contract-postgres.js'
import { messagesContract } from './contract/messages.js'
import { peopleContract } from './contract/people.js'
import { fidelityContract } from './contract/fidelity.js'

await contractOnPostgres([
  ['messages', messagesContract],
  ['people', peopleContract],
  ['Webex clients (issue 13)', fidelityContract],
])
