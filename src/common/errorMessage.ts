// The text of anything thrown: an Error's message, else the value as a string (a rejected
// promise may carry anything). One helper so every user-facing "could not …" reads the same way.
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
