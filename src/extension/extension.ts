// PLACEHOLDER: replaced by its owner.
export function activate(): void {} export function deactivate(): void {}
