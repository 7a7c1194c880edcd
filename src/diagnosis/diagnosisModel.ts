// PLACEHOLDER: replaced by its owner.
export interface Diagnosis { causes: unknown[] }
