// New people coming in (crates/core/src/intake): the intake form, a visit to a guarded centre
// with people one after another, and the register kept before Punkt, imported once.
export { Intake } from './Intake';
export { Visit } from './Visit';
export { ImportRegister } from './ImportRegister';
