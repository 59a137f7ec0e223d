/**
 * Reads exports of a module loaded with tsx's `tsImport`. A `.ts` file outside an ESM package is
 * compiled as CommonJS, and its namespace then holds the exports object under `default`; this
 * looks through that wrapper so both shapes read the same.
 */
export function moduleExport(namespace: unknown, name: string): unknown {
  const exports = namespace as Record<string, unknown>;
  const wrapped = exports.default as Record<string, unknown> | undefined;
  const commonJs = isCommonJsWrapper(wrapped);

  if (name === 'default') return commonJs ? wrapped?.default : exports.default;
  return exports[name] ?? (commonJs ? wrapped?.[name] : undefined);
}

function isCommonJsWrapper(value: Record<string, unknown> | undefined): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return value.__esModule === true || 'default' in value;
}
