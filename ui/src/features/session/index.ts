// This laptop's store and its user: creating it, unlocking it, the settings (passphrase, role, language).
export { SettingsScreen } from './Settings';
export { Setup } from './Setup';
export { Unlock } from './Unlock';
