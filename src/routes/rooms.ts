import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { Type } from '@sinclair/typebox'
import { errorResponses, IdParam, ListOf } from '../schemas/common.js'
import { CreateRoomBody, ListRoomsQuery, Room, ROOM_ECHO, UpdateRoomBody } from '../schemas/room.js'
import { acceptEcho } from '../http/echo.js'
import { LIMITS, pageReply, pageSize } from '../http/pagination.js'
import type { RouteDeps } from './deps.js'

const RoomIdParam = IdParam('roomId', { summary: 'Space', description: 'Select a space', visibility: 'important' })
const tags = ['Spaces']

export const roomRoutes: FastifyPluginAsyncTypebox<RouteDeps> = async (app, { backend }) => {
  app.get(
    '/v1/rooms',
    {
      schema: {
        operationId: 'GetSpacesList',
        summary: 'Get Spaces List',
        tags,
        description: 'This action retrieves a list of spaces the caller is a member of.',
        querystring: ListRoomsQuery,
        response: { 200: ListOf(Room, 'items'), ...errorResponses },
      },
    },
    async (request, reply) => {
      return pageReply(
        request,
        reply,
        await backend.listRooms(request.caller, { ...request.query, max: pageSize(request.query.max, LIMITS.rooms) })
      )
    }
  )

  app.post(
    '/v1/rooms',
    {
      schema: {
        operationId: 'CreateSpace',
        summary: 'Create Space',
        tags,
        description: 'Create space or team space. The creator becomes its first member.',
        body: CreateRoomBody,
        response: { 200: Room, ...errorResponses },
      },
    },
    async request => backend.createRoom(request.caller, request.body)
  )

  app.get(
    '/v1/rooms/:roomId',
    {
      schema: {
        operationId: 'GetSpaceDetails',
        summary: 'Get Space Details',
        tags,
        description: 'Return details of a given space.',
        params: RoomIdParam,
        response: { 200: Room, ...errorResponses },
      },
    },
    async request => backend.getRoom(request.caller, request.params.roomId)
  )

  app.put(
    '/v1/rooms/:roomId',
    {
      schema: {
        operationId: 'UpdateSpace',
        summary: 'Update Space',
        tags,
        description: 'Change the title of a space, or lock or unlock it.',
        params: RoomIdParam,
        body: UpdateRoomBody,
        response: { 200: Room, ...errorResponses },
      },
      preValidation: acceptEcho(ROOM_ECHO),
    },
    async request => backend.updateRoom(request.caller, request.params.roomId, request.body)
  )

  app.delete(
    '/v1/rooms/:roomId',
    {
      schema: {
        operationId: 'DeleteSpace',
        summary: 'Delete Space',
        tags,
        description: 'Delete a space and its content; a non-moderator leaves it instead.',
        params: RoomIdParam,
        response: { 204: Type.Null({ description: 'Deleted.' }), ...errorResponses },
      },
    },
    async (request, reply) => {
      await backend.deleteRoom(request.caller, request.params.roomId)
      return reply.code(204).send(null)
    }
  )
}
