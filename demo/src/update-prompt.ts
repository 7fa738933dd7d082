/**
 * "A new version is ready": shown when a new build's service worker waits (register-app-shell.ts). The
 * person picks the moment, since the reload that follows resets what the page shows (the selection,
 * a half-typed field); the data itself lives in the replica and survives it.
 */
export function showUpdatePrompt(apply: () => void): void {
  if (document.querySelector('[data-testid=update-ready]')) return;
  const bar = document.createElement('div');
  bar.className = 'update-ready';
  bar.dataset.testid = 'update-ready';
  bar.setAttribute('role', 'status');
  bar.textContent = 'A new version of this page is ready. ';
  const button = document.createElement('button');
  button.type = 'button';
  button.textContent = 'Reload';
  button.addEventListener('click', () => {
    button.disabled = true;
    apply();
  });
  bar.append(button);
  document.body.append(bar);
}
