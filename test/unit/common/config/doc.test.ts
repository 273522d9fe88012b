import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigDoc } from '../../../../scripts/gen-config-doc.ts';

describe('docs/configuration.md', () => {
  it('documents every option of the schema as it is now (regenerate with npm run docs:config)', () => {
    const onDisk = readFileSync(new URL('../../../../docs/configuration.md', import.meta.url), 'utf8');
    expect(onDisk).toBe(renderConfigDoc());
  });
});
