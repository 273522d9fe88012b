/**
 * A local HTTP server that answers like VirusTotal API v3 (the project's only VirusTotal
 * stand-in): GET /api/v3/ip_addresses/{ip} and /api/v3/domains/{domain} with the x-apikey
 * header; 200 bodies carry data.attributes.last_analysis_stats and reputation, errors carry
 * VirusTotal's {"error": {"code", "message"}} body (NotFoundError 404, WrongCredentialsError
 * 401, QuotaExceededError 429). Listens on 127.0.0.1 only; counts every request it gets.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeEntity {
  malicious?: number;
  suspicious?: number;
  harmless?: number;
  reputation?: number;
}

/** What the server answers for one entity: a report, an HTTP error, or a slow answer. */
export type FakeAnswer = FakeEntity | { status: 404 | 429 | 401 | 500 } | { delayMs: number; then?: FakeEntity };

export interface FakeRequest {
  kind: 'ip_addresses' | 'domains';
  entity: string;
  apiKey: string | undefined;
  at: number;
}

export interface FakeVirusTotal {
  /** Base URL for intel.virustotal.baseUrl (…/api/v3). */
  baseUrl: string;
  apiKey: string;
  requests: FakeRequest[];
  /** Entities answered when no explicit answer is set: 404 (unknown to VirusTotal). */
  answers: Map<string, FakeAnswer>;
  /** Answer every request with this status while set (e.g. 429 for an exhausted quota). */
  forceStatus: number | null;
  requestsFor(entity: string): number;
  close(): Promise<void>;
}

const ERROR_CODES: Record<number, string> = { 401: 'WrongCredentialsError', 404: 'NotFoundError', 429: 'QuotaExceededError', 500: 'TransientError' };

function sendError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code: ERROR_CODES[status] ?? 'Error', message } }));
}

function report(kind: string, entity: string, e: FakeEntity): string {
  const type = kind === 'ip_addresses' ? 'ip_address' : 'domain';
  return JSON.stringify({
    data: {
      id: entity,
      type,
      links: { self: `https://www.virustotal.com/api/v3/${kind}/${entity}` },
      attributes: {
        last_analysis_date: 1_700_000_000,
        last_analysis_stats: { harmless: e.harmless ?? 60, malicious: e.malicious ?? 0, suspicious: e.suspicious ?? 0, undetected: 20, timeout: 0 },
        reputation: e.reputation ?? 0,
        total_votes: { harmless: 0, malicious: 0 },
        ...(type === 'ip_address' ? { as_owner: 'EXAMPLE-AS', country: 'ZZ', network: `${entity}/32` } : { registrar: 'Example Registrar', tld: entity.split('.').pop() }),
      },
    },
  });
}

export async function startFakeVirusTotal(apiKey = 'test-vt-key'): Promise<FakeVirusTotal> {
  const requests: FakeRequest[] = [];
  const answers = new Map<string, FakeAnswer>();
  const timers = new Set<NodeJS.Timeout>();
  const fake = { forceStatus: null as number | null };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/api\/v3\/(ip_addresses|domains)\/([^/?]+)$/.exec(req.url ?? '');
    const key = req.headers['x-apikey'];
    if (req.method !== 'GET' || !match) return sendError(res, 404, `${req.method} ${req.url} is not a VirusTotal v3 endpoint this server knows`);
    const kind = match[1] as FakeRequest['kind'];
    const entity = decodeURIComponent(match[2]);
    requests.push({ kind, entity, apiKey: typeof key === 'string' ? key : undefined, at: Date.now() });
    if (key !== apiKey) return sendError(res, 401, 'Wrong API key');
    if (fake.forceStatus !== null) return sendError(res, fake.forceStatus, 'Quota exceeded');
    const answer = answers.get(entity);
    if (answer === undefined) return sendError(res, 404, `${entity} not found`);
    if ('status' in answer) return sendError(res, answer.status, `forced ${answer.status}`);
    if ('delayMs' in answer) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        if (res.destroyed) return;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(report(kind, entity, answer.then ?? {}));
      }, answer.delayMs);
      timers.add(timer);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(report(kind, entity, answer));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/api/v3`,
    apiKey,
    requests,
    answers,
    get forceStatus() {
      return fake.forceStatus;
    },
    set forceStatus(status: number | null) {
      fake.forceStatus = status;
    },
    requestsFor: (entity) => requests.filter((r) => r.entity === entity).length,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
