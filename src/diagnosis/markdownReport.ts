// PLACEHOLDER: replaced by its owner.
export function renderRunMarkdown(): string { return ''; }
