/**
 * Replaces the credentials of a MongoDB URI (`mongodb://user:secret@host`) with `***`.
 * Everything that logs or reports a URI goes through here: credentials never reach a log line.
 */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
}
