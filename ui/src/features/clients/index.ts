// The person's file and what hangs on it (crates/core/src/clients): the home board, search,
// the file itself (consents among its tabs), likely duplicates, the deadline calculator.
export { Calculator } from './Calculator';
export { ClientFile } from './ClientFile';
export { Duplicates } from './Duplicates';
export { HomeScreen } from './Home';
export { Search } from './Search';
