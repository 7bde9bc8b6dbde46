/** The page element with this id, checked to be of the expected kind (the server renders them all). */
export function byId<T extends HTMLElement>(id: string, kind: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof kind)) throw new Error(`the viewer page lacks #${id}`);
  return el;
}

/** True when a key press is meant for a text field, not for the viewer's shortcuts. */
export const typingIn = (target: EventTarget | null): boolean =>
  target instanceof HTMLInputElement ||
  target instanceof HTMLTextAreaElement ||
  (target instanceof HTMLElement && target.isContentEditable);
