import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTelemetry } from '@rb/telemetry/sdk';
import { SCOPE, telemetry } from './telemetry.js';

describe('@rb/embed-batch telemetry', () => {
  it("names its scope after package.json, and its own counter reaches the seed's statistics", async () => {
    const manifest = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { name: string; version: string };
    expect(SCOPE).toEqual({ name: manifest.name, version: manifest.version });

    const handle = startTelemetry({ exporter: 'none' });
    try {
      telemetry.instruments.embeddingsGenerated.add(7);
      expect((await handle.getStatistics()).embeddingsGenerated).toBe(7);
    } finally {
      await handle.shutdown();
    }
  });
});
