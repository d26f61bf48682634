/**
 * A value a function cannot work with. The modules below the functions (numbers, dates, cultures, XML) throw
 * these; the function table turns them into the function's TemplateError, worded as Logic Apps words it
 * ("The template language function 'x' could not be evaluated: ..."), so no call site maps them itself.
 */
export class ValueError extends Error {
  override name = 'ValueError'
  readonly wording: string = 'could not be evaluated:'
}

/** A format string (date or number) that is not one. */
export class FormatError extends ValueError {
  override name = 'FormatError'
  override readonly wording = 'was invoked with a format that is not valid:'
}

/** A locale that is not one. */
export class LocaleError extends ValueError {
  override name = 'LocaleError'
  override readonly wording = 'was invoked with a locale that is not valid:'
}
