import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { open, rename, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable, Transform } from 'node:stream'
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

/** Where the bytes of message files are kept: a new kind of place is a new implementation of this. */
interface ContentBytes {
  /** Names an upload before the transaction that records it. */
  place(upload: Upload): Promise<string>
  /** Inside the message's transaction, after its `contents` row: whatever must commit with it. */
  record(id: string, upload: Upload): Promise<void>
  /** A placed file (by id) or an upload (by path) that belongs to nothing. */
  discard(idOrPath: string): Promise<void>
  stream(id: string): Readable
  /** The bytes of contents rows deleted (listed in `contents_trash`), once that deletion committed. */
  erase(ids: string[]): void
}

/** SQLite (one instance): files in `DATA_DIR/contents/<id>`, renamed there before the row commits. */
class DiskBytes implements ContentBytes {
  constructor (private readonly dir: string) {}

  async place (upload: Upload): Promise<string> {
    const id = newUuid()
    await rename(upload.path, join(this.dir, id))
    return id
  }

  async record (): Promise<void> {}

  async discard (idOrPath: string): Promise<void> {
    await rm(idOrPath.includes('/') ? idOrPath : join(this.dir, idOrPath), { force: true })
  }

  stream (id: string): Readable {
    return createReadStream(join(this.dir, id))
  }

  erase (ids: string[]): void {
    for (const id of ids) rmSync(join(this.dir, id), { force: true })
  }
}

/** Bytes per row of `content_chunks`: a file is streamed in and out this much at a time, never whole. */
const CHUNK = 1 << 20

/**
 * PostgreSQL (several instances): the bytes in `content_chunks`, written in the message's own transaction, so
 * any instance serves a file whichever received it, and a file exists exactly when its message does. The
 * chunks go with their `contents` row (ON DELETE CASCADE), in the transaction that deletes the message.
 */
class TableBytes implements ContentBytes {
  /** Uploads placed and not yet recorded: their temporary files. */
  private readonly placed = new Map<string, string>()

  constructor (private readonly store: AsyncStore) {}

  async place (upload: Upload): Promise<string> {
    const id = newUuid()
    this.placed.set(id, upload.path)
    return id
  }

  async record (id: string, upload: Upload): Promise<void> {
    let n = 0
    for await (const chunk of createReadStream(upload.path, { highWaterMark: CHUNK })) {
      await this.store.run('INSERT INTO content_chunks (content_id, n, data) VALUES (?,?,?)', id, n++, chunk)
    }
    // The bytes are in the transaction now: they commit or roll back with the message.
    this.placed.delete(id)
    await rm(upload.path, { force: true })
  }

  async discard (idOrPath: string): Promise<void> {
    const path = idOrPath.includes('/') ? idOrPath : this.placed.get(idOrPath)
    this.placed.delete(idOrPath)
    if (path) await rm(path, { force: true })
  }

  stream (id: string): Readable {
    const store = this.store
    return Readable.from((async function * () {
      for (let n = 0; ; n++) {
        const row = await store.get<{ data: Buffer }>(
          'SELECT data FROM content_chunks WHERE content_id = ? AND n = ?',
          id,
          n
        )
        if (!row) return
        yield row.data
      }
    })())
  }

  erase (): void {}
}

/**
 * Message files: on SQLite on disk, next to the store: `DATA_DIR/contents/<id>`. A file is streamed to a temporary name
 * (never held in memory whole), fsynced, and renamed to its id before the message that carries it commits; a
 * file whose message was deleted (by anyone: its author, retention, a space deleted with its content) is
 * listed in `contents_trash` by a trigger in that same transaction and unlinked here once it committed. On
 * PostgreSQL in the database (TableBytes), so every instance serves every file; uploads are still received
 * into a temporary file in `DATA_DIR/contents` first.
 */
export class ContentStore {
  readonly dir: string
  private readonly bytes: ContentBytes
  /**
   * On SQLite (one instance, every write goes through here): whether any `contents` row may exist. Only a deleted
   * `contents` row puts anything in the trash, so while none exists a commit needs no sweep. Undefined until the
   * start-up sweep has looked; PostgreSQL always sweeps (another instance may have recorded the file).
   */
  private holdsFiles: boolean | undefined

  constructor (
    private readonly store: AsyncStore,
    dataDir: string,
    readonly maxBytes: number
  ) {
    this.dir = dataDir === ':memory:' ? mkdtempSync(join(tmpdir(), 'webex-contents-')) : join(dataDir, 'contents')
    mkdirSync(this.dir, { recursive: true })
    this.bytes = store.dialect.name === 'postgres' ? new TableBytes(store) : new DiskBytes(this.dir)
    // Temporary files of uploads a crash interrupted belong to no message.
    for (const name of readdirSync(this.dir)) if (name.startsWith('tmp-')) rmSync(join(this.dir, name), { force: true })
    store.onCommit(() => {
      if (this.holdsFiles !== false) this.sweepSoon()
    })
    this.sweep()
      .then(async () => {
        if (store.dialect.name === 'postgres' || this.holdsFiles !== undefined) return
        const any = await store.get('SELECT 1 AS one FROM contents LIMIT 1')
        this.holdsFiles ??= any !== undefined
      })
      .catch(() => undefined)
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
  place (upload: Upload): Promise<string> {
    return this.bytes.place(upload)
  }

  /** The row that makes a placed file part of a message, inside the message's transaction. */
  async record (id: string, upload: Upload, messageId: string, roomId: string): Promise<void> {
    // Before the row exists: a commit that might delete it sweeps from now on.
    this.holdsFiles = true
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
    await this.bytes.record(id, upload)
  }

  /** A placed file whose transaction failed: it belongs to nothing. */
  discard (idOrPath: string): Promise<void> {
    return this.bytes.discard(idOrPath)
  }

  async row (id: string): Promise<ContentRow | undefined> {
    return await this.store.get('SELECT * FROM contents WHERE id = ?', id)
  }

  stream (id: string): Readable {
    return this.bytes.stream(id)
  }

  /** A sweep that fails (the store closing, PostgreSQL away) leaves the trash for the next commit's sweep. */
  private sweepSoon (): void {
    this.sweep().catch(() => undefined)
  }

  /**
   * Unlinks the files of deleted messages. Runs after every commit that recorded events (and at start), so
   * retention and delete-with-content erase file bytes without knowing about files; on SQLite only once a file
   * has ever been kept (see holdsFiles). A crash before a sweep leaves the trash to the start-up one.
   */
  async sweep (): Promise<void> {
    const trash = await this.store.all<{ id: string }>('SELECT id FROM contents_trash LIMIT 1000')
    if (trash.length === 0) return
    this.bytes.erase(trash.map(t => t.id))
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
