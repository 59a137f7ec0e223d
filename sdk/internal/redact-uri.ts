/**
 * Options of a MongoDB URI whose values are secrets: passwords, key-file passphrases, and the
 * mechanism properties that carry tokens (AWS_SESSION_TOKEN, OIDC settings).
 */
const SECRET_OPTION = /pass|secret|token|authmechanismproperties/i;

/**
 * Replaces the credentials of a MongoDB URI (`mongodb://user:secret@host`) and the values of its
 * secret options (`?tlsCertificateKeyFilePassword=...`) with `***`. Everything that logs or
 * reports a URI goes through here: credentials never reach a log line.
 */
export function redactUri(uri: string): string {
  const withoutUser = uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
  return withoutUser.replace(/([?&])([^=&#]+)=([^&#]*)/g, (option, separator, name) =>
    SECRET_OPTION.test(name as string) ? `${separator}${name}=***` : option,
  );
}
