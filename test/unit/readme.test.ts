/** The README is the front door: its configuration table must match the settings the relay really has. */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { settingsTableMarkdown } from '../../relay/config/settings.js';

describe('README', () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  it('shows the configuration table generated from the settings', () => {
    expect(readme).toContain(settingsTableMarkdown());
  });
  it('names the two commands', () => {
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
  });
});
