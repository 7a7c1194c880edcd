// Belt and braces: the run model never holds a password, but whatever the history writes or
// exports goes through this filter, so a field named "password" (any case, any depth) never
// reaches a file even if a future step or a caller puts one there by mistake.

const PASSWORD_KEY = /^password$/i;

/** A JSON.stringify replacer that drops every property named "password". */
export function withoutPasswords(key: string, value: unknown): unknown {
  return PASSWORD_KEY.test(key) ? undefined : value;
}

/** JSON text of a value with every "password" property removed. */
export function stringifyWithoutPasswords(value: unknown, indent?: number): string {
  return JSON.stringify(value, withoutPasswords, indent);
}
