/**
 * Debian's Chromium, not a Playwright download (`playwright install` is never run here). The flags keep
 * it from phoning home during a test; the WebXR spec adds a software GPU for its WebGL layer.
 */
export const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  webglArgs: ['--use-gl=swiftshader', '--enable-unsafe-swiftshader'],
} as const;
