// PLACEHOLDER: replaced by its owner.
export async function startLab(): Promise<void> {}
