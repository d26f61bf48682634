/**
 * Webex markdown mentions: `<@personEmail:a@b.c|Name>`, `<@personId:ID|Name>` and `<@all>`. The display part
 * is optional. Returns what was mentioned and the plain text a client without markdown shows.
 */
const MENTION = /<@(personEmail|personId):([^|>\s]+)(?:\|([^>]*))?>|<@all>/g

export interface Mention {
  by: 'personEmail' | 'personId'
  value: string
  label?: string
}

export function parseMentions (markdown: string): { people: Mention[]; all: boolean } {
  const people: Mention[] = []
  let all = false
  for (const m of markdown.matchAll(MENTION)) {
    if (m[0] === '<@all>') all = true
    else people.push({ by: m[1] as Mention['by'], value: m[2], ...(m[3] ? { label: m[3] } : {}) })
  }
  return { people, all }
}

/** Plain rendering of markdown: mentions become names, emphasis and code marks are dropped. */
export function markdownToText (markdown: string, nameOf: (m: Mention) => string): string {
  return markdown
    .replace(MENTION, (whole, by: string, value: string, label?: string) =>
      whole === '<@all>' ? 'All' : (label ?? nameOf({ by: by as Mention['by'], value }))
    )
    .replace(/\[([^\]]*)\]\(([^)]*)\)/g, '$1 ($2)')
    .replace(/(\*\*|__|\*|_|~~|`)/g, '')
}
