// PLACEHOLDER: replaced by its owner.
export {};
