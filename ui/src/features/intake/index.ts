// New people coming in (crates/core/src/intake): the intake form, and a visit to a guarded
// centre with people one after another.
export { Intake } from './Intake';
export { Visit } from './Visit';
