// PLACEHOLDER: replaced by its owner.
export class HistoryStore {}
