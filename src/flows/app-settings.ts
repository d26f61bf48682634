import { readFileSync } from 'node:fs'

/**
 * The app settings `appsetting('name')` reads, as a Logic Apps Standard workflow reads its app's settings (in
 * Azure the app's configuration, locally local.settings.json's `Values`). They come from one file the operator
 * names (FLOWS_APP_SETTINGS), never from the service's own environment: that holds the database URL and tokens,
 * which a flow author must not be able to read.
 */
export class AppSettings {
  private readonly exact: Map<string, string>
  private readonly folded = new Map<string, string | null>()

  constructor (values: Record<string, string> = {}, readonly source = '') {
    this.exact = new Map(Object.entries(values))
    // Names match exactly, else ignoring case when that is unambiguous (App Service on Windows ignores case).
    for (const [k, v] of this.exact) {
      const lower = k.toLowerCase()
      this.folded.set(lower, this.folded.has(lower) ? null : v)
    }
  }

  get (name: string): string | undefined {
    return this.exact.get(name) ?? this.folded.get(name.toLowerCase()) ?? undefined
  }

  has (name: string): boolean {
    return this.get(name) !== undefined
  }

  /**
   * Reads the file: a JSON object of name -> string, or a local.settings.json (its `Values`). App settings are
   * strings; any other value is refused, naming it.
   */
  static load (file: string): AppSettings {
    if (!file) return new AppSettings()
    let json: unknown
    try {
      json = JSON.parse(readFileSync(file, 'utf8'))
    } catch (err) {
      throw new Error(`FLOWS_APP_SETTINGS: ${file} is not a readable JSON file (${(err as Error).message}).`)
    }
    const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v)
    if (!isObject(json)) throw new Error(`FLOWS_APP_SETTINGS: ${file} must hold a JSON object of app settings.`)
    const values = isObject(json.Values) ? json.Values : json
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(values)) {
      if (typeof v === 'string') out[k] = v
      else throw new Error(`FLOWS_APP_SETTINGS: the app setting '${k}' in ${file} must be a string.`)
    }
    return new AppSettings(out, file)
  }
}
