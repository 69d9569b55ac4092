// The person's file and what hangs on it (crates/core/src/clients): the home board, search,
// the file itself (consents, restricted sections and referrals among its tabs), likely
// duplicates, the deadline calculator, and the referrals screen.
export { Calculator } from './Calculator';
export { ClientFile } from './ClientFile';
export { Duplicates } from './Duplicates';
export { HomeScreen } from './Home';
export { ReferralsScreen } from './Referrals';
export { Search } from './Search';
