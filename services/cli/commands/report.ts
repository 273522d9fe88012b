/**
 * `netsentinel report --since 1h -o report.json`: the incident report (0xNullVector JSON shape)
 * from the gateway's store (Redis, per the configuration), or from a running gateway with
 * --url (API key from $NETSENTINEL_API_KEY, never a flag, so it stays out of ps and history).
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, UsageError } from '../../common/errors.ts';
import { VERSION } from '../../common/version.ts';
import { buildReport, parseDuration } from '../../gateway/report.ts';
import { createAlertStore } from '../../gateway/run.ts';
import { commandRuntime, withConfigOptions } from '../runtime.ts';

export function registerReport(program: Command): void {
  withConfigOptions(
    program
      .command('report')
      .description('write the incident report (summary, risk level, events, recommendations) as JSON')
      .option('--since <duration>', 'alerts updated within this period: 90s, 15m, 1h, 7d', '24h')
      .option('-o, --output <file>', 'write to this file instead of stdout')
      .option('--url <gateway>', 'ask a running gateway (e.g. https://host:8080) instead of reading the store; key in $NETSENTINEL_API_KEY'),
  ).action(async (options: { config?: string; logLevel?: string; since: string; output?: string; url?: string }) => {
    const period = parseDuration(options.since);
    if (period === null) throw new UsageError(`--since ${options.since}: expected a duration such as 90s, 15m, 1h or 7d`);
    let text: string;
    if (options.url) {
      const key = process.env.NETSENTINEL_API_KEY;
      if (!key) throw new ConfigError('NETSENTINEL_API_KEY is not set: the gateway needs an API key (see netsentinel certs)');
      const response = await fetch(new URL(`/api/report?since=${encodeURIComponent(options.since)}`, options.url), { headers: { 'x-api-key': key } });
      if (!response.ok) throw new ConfigError(`${options.url}: the gateway answered ${response.status} ${(await response.text()).slice(0, 200)}`);
      text = `${JSON.stringify(await response.json(), null, 2)}\n`;
    } else {
      const { config } = commandRuntime(options, {}, 'report');
      const store = createAlertStore(config);
      try {
        const now = Date.now();
        const report = await buildReport(store.scan({ updatedSince: now - period }), { since: now - period, until: now, version: VERSION, sensors: await store.sensors(now), generatedAt: now });
        text = `${JSON.stringify(report, null, 2)}\n`;
      } finally {
        await store.close();
      }
    }
    if (options.output) {
      writeFileSync(options.output, text);
      process.stderr.write(`report written to ${options.output}\n`);
    } else {
      process.stdout.write(text);
    }
  });
}
