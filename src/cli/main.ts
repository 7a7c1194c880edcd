// PLACEHOLDER: replaced by its owner.
console.log('cli');
