import { describe, expect, it } from '@jest/globals';
import { readFileSync } from 'node:fs';
import { SERVICE_ARGS } from './app-process.js';

describe('SERVICE_ARGS', () => {
  it('is how `npm start` and the Dockerfile run the service, so the bench and the tests measure what users run', () => {
    const { scripts } = JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> };
    expect(scripts.start).toBe(['node', ...SERVICE_ARGS].join(' '));
    const cmd = /^CMD (\[.*\])$/m.exec(readFileSync('Dockerfile', 'utf8'))?.[1];
    expect(JSON.parse(cmd ?? 'null')).toEqual(['node', ...SERVICE_ARGS]);
  });
});
