import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import type { ReadStream } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Transform, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { newUuid } from '../ids.js'
import { PayloadTooLargeError } from '../errors.js'
import type { AsyncStore } from '../store/db.js'

/** A file received (uploaded, or fetched from a URL) and written whole to disk, not yet part of a message. */
export interface Upload {
  path: string
  filename: string
  contentType: string
  size: number
}

export interface ContentRow {
  id: string
  message_id: string
  room_id: string
  filename: string
  content_type: string
  size: number
  created: string
}

/**
 * Message files on disk, next to the store: `DATA_DIR/contents/<id>`. A file is streamed to a temporary name
 * (never held in memory whole), fsynced, and renamed to its id before the message that carries it commits; a
 * file whose message was deleted (by anyone: its author, retention, a space deleted with its content) is
 * listed in `contents_trash` by a trigger in that same transaction and unlinked here once it committed.
 */
export class ContentStore {
  readonly dir: string

  constructor (
    private readonly store: AsyncStore,
    dataDir: string,
    readonly maxBytes: number
  ) {
    this.dir = dataDir === ':memory:' ? mkdtempSync(join(tmpdir(), 'webex-contents-')) : join(dataDir, 'contents')
    mkdirSync(this.dir, { recursive: true })
    // Temporary files of uploads a crash interrupted belong to no message.
    for (const name of readdirSync(this.dir)) if (name.startsWith('tmp-')) rmSync(join(this.dir, name), { force: true })
    store.onCommit(() => this.sweepSoon())
    this.sweepSoon()
  }

  /** Streams `source` to a temporary file, refusing (413) past the size limit; nothing is kept on failure. */
  async receive (source: Readable, filename: string, contentType: string): Promise<Upload> {
    const path = join(this.dir, `tmp-${newUuid()}`)
    let size = 0
    const limit = this.maxBytes
    const counter = new Transform({
      transform (chunk: Buffer, _enc, done) {
        size += chunk.length
        if (size > limit) done(new PayloadTooLargeError(`A file may be at most ${limit} bytes.`))
        else done(null, chunk)
      },
    })
    try {
      await pipeline(source, counter, createWriteStream(path))
      const handle = await open(path, 'r+')
      try {
        await handle.sync()
      } finally {
        await handle.close()
      }
    } catch (err) {
      await rm(path, { force: true })
      throw err
    }
    return { path, filename: safeName(filename), contentType: contentType || 'application/octet-stream', size }
  }

  /** Gives an upload its final name; call before the transaction that records it (see `record`). */
  async place (upload: Upload): Promise<string> {
    const id = newUuid()
    await rename(upload.path, join(this.dir, id))
    return id
  }

  /** The row that makes a placed file part of a message, inside the message's transaction. */
  async record (id: string, upload: Upload, messageId: string, roomId: string): Promise<void> {
    await this.store.run(
      `INSERT INTO contents (id, message_id, room_id, filename, content_type, size, created)
      VALUES (?,?,?,?,?,?,?)`,
      id,
      messageId,
      roomId,
      upload.filename,
      upload.contentType,
      upload.size,
      this.store.now()
    )
  }

  /** A placed file whose transaction failed: it belongs to nothing. */
  async discard (idOrPath: string): Promise<void> {
    await rm(idOrPath.includes('/') ? idOrPath : join(this.dir, idOrPath), { force: true })
  }

  async row (id: string): Promise<ContentRow | undefined> {
    return await this.store.get('SELECT * FROM contents WHERE id = ?', id)
  }

  stream (id: string): ReadStream {
    return createReadStream(join(this.dir, id))
  }

  /** A sweep that fails (the store closing, PostgreSQL away) leaves the trash for the next commit's sweep. */
  private sweepSoon (): void {
    this.sweep().catch(() => undefined)
  }

  /**
   * Unlinks the files of deleted messages. Runs after every commit that recorded events (and at start), so
   * retention and delete-with-content erase file bytes without knowing about files.
   */
  async sweep (): Promise<void> {
    const trash = await this.store.all<{ id: string }>('SELECT id FROM contents_trash LIMIT 1000')
    if (trash.length === 0) return
    for (const { id } of trash) rmSync(join(this.dir, id), { force: true })
    await this.store.tx(async () => {
      for (const { id } of trash) await this.store.run('DELETE FROM contents_trash WHERE id = ?', id)
    })
  }
}

/** A file name fit for Content-Disposition: no path, no quotes or control characters. */
function safeName (name: string): string {
  const base = name.split(/[\\/]/).pop() ?? ''
  // eslint-disable-next-line no-control-regex
  const clean = base.replace(/[\u0000-\u001f"\u007f]/g, '').trim()
  return clean.slice(0, 255) || 'file'
}
