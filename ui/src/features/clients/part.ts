import type { ClientView } from '../../ipc';

/** What a part of the client file (a tab's list, a form in it) is given: the file as shown,
 * and where the file goes once the part saved a change (the backend answers the whole file). */
export type PartProps = { c: ClientView; onSaved: (v: ClientView) => void };
