/** Short messages for the person: a rejected push, a failed edit, storage that stopped persisting. */
export function toast(message: string): void {
  let box = document.querySelector<HTMLElement>('.toasts');
  if (!box) {
    box = document.createElement('div');
    box.className = 'toasts';
    box.setAttribute('role', 'alert');
    document.body.append(box);
  }
  const item = document.createElement('div');
  item.className = 'toast';
  item.textContent = message;
  box.append(item);
  setTimeout(() => item.remove(), 6000);
}

/** For the catch of an edit's promise: nothing an edit does may fail silently. */
export function reportError(what: string): (err: unknown) => void {
  return (err) => {
    console.error(what, err);
    toast(`${what}: ${err instanceof Error ? err.message : String(err)}`);
  };
}
