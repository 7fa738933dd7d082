/**
 * The API reports: packages/{client,shared,server}/api/*.api.md record each package's public surface as
 * API Extractor reads it from the built dist/index.d.ts. `npm test` and `npm run check` run this after the
 * build and fail when a surface changed and its report did not: a change to what apps can import is then
 * a reviewed diff, never an accident. `--local` (npm run api:update) rewrites the reports instead.
 */
import { Extractor, ExtractorConfig } from '@microsoft/api-extractor';
import { fileURLToPath } from 'node:url';

const local = process.argv.includes('--local');
const failed = [];
for (const pkg of ['client', 'shared', 'server']) {
  const config = ExtractorConfig.loadFileAndPrepare(fileURLToPath(new URL(`../packages/${pkg}/api-extractor.json`, import.meta.url)));
  const result = Extractor.invoke(config, {
    localBuild: local,
    printApiReportDiff: !local,
    messageCallback: (m) => {
      // "Analysis will use the bundled TypeScript version …", once per package, says nothing about the surface.
      if (m.messageId === 'console-preamble') m.handled = true;
    },
  });
  if (!result.succeeded) failed.push(`@cairn/${pkg}${result.apiReportChanged ? ` (its surface changed: the diff is above)` : ''}`);
}
if (failed.length > 0) {
  console.error(`\nAPI report check failed for ${failed.join(', ')}.`);
  console.error('If the change is meant, run `npm run api:update` (after `npm run build`) and commit the updated api/*.api.md.');
  process.exit(1);
}
console.log(local ? 'API reports written: packages/{client,shared,server}/api/' : 'API reports up to date: @cairn/client, @cairn/shared, @cairn/server');
