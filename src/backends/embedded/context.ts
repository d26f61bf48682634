import { Store } from '../../store/store.js'
import type { PersonRow, RoomRow, MembershipRow, TeamRow, TeamMembershipRow } from './rows.js'

/** The store, plus the lookups every embedded operation needs. */
export class Ctx extends Store {
  /** Where clients reach this service: file URLs (`{base}/v1/contents/{id}`) are built on it. Set at listen. */
  publicBase = 'http://127.0.0.1:8080'

  person (id: string): PersonRow | undefined {
    return this.get('SELECT * FROM people WHERE id = ?', id)
  }

  personByEmail (email: string): PersonRow | undefined {
    return this.get('SELECT * FROM people WHERE email = ?', email)
  }

  room (id: string): RoomRow | undefined {
    return this.get('SELECT * FROM rooms WHERE id = ?', id)
  }

  membership (roomId: string, personId: string): MembershipRow | undefined {
    return this.get('SELECT * FROM memberships WHERE room_id = ? AND person_id = ?', roomId, personId)
  }

  team (id: string): TeamRow | undefined {
    return this.get('SELECT * FROM teams WHERE id = ?', id)
  }

  teamMembership (teamId: string, personId: string): TeamMembershipRow | undefined {
    return this.get('SELECT * FROM team_memberships WHERE team_id = ? AND person_id = ?', teamId, personId)
  }
}
