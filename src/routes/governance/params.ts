import { Type } from '@sinclair/typebox'
import { errorResponses, IdParam } from '../../schemas/common.js'
import type { Ctx } from '../../store/ctx.js'
import type { SpaceActions } from '../../governance/actions.js'
import type { Dispositions } from '../../governance/dispositions.js'

/** What every governance route plugin gets: the governance store and how to act on spaces. */
export interface GovernanceDeps {
  ctx: Ctx
  actions: SpaceActions
  dispositions: Dispositions
}

export const tags = ['Governance']
export const RoomIdParam = IdParam('roomId', {
  summary: 'Space',
  description: 'Select a space',
  visibility: 'important',
})
export const TagIdParam = IdParam('tagId', { summary: 'Tag', description: 'The tag id.', visibility: 'important' })
export const PolicyIdParam = IdParam('policyId', {
  summary: 'Policy',
  description: 'The retention policy id.',
  visibility: 'important',
})
export const GroupIdParam = IdParam('groupId', {
  summary: 'Group',
  description: 'The directory group id.',
  visibility: 'important',
})
export const HoldIdParam = IdParam('holdId', {
  summary: 'Legal hold',
  description: 'The legal hold id.',
  visibility: 'important',
})
export const done = { 204: Type.Null({ description: 'Done.' }), ...errorResponses }
