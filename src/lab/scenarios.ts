// PLACEHOLDER: replaced by its owner.
export const LAB_SCENARIOS: unknown[] = [];
