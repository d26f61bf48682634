import { contractOnPostgres } from './helpers/contract-postgres.js'
import { spacesContract } from './contract/spaces.js'
import { membershipsContract } from './contract/memberships.js'

await contractOnPostgres([
  ['spaces', spacesContract],
  ['memberships and teams', membershipsContract],
])
