// Configuration of the k6 scripts from environment variables (`k6 run -e NAME=value`).
//
// Pure: NO k6 imports. The scripts call parseConfig(__ENV, scriptDefaults); jest calls it with a
// plain object. Every problem is collected and thrown as one Error, so k6 stops in its init
// phase with a message naming each bad variable.

/** Every variable, its type and its default. Script-specific defaults override `default`. */
export const SCHEMA = Object.freeze({
  baseUrl: { env: 'BASE_URL', type: 'url', default: 'http://127.0.0.1:3000', help: 'service under test' },
  apiPrefix: { env: 'API_PREFIX', type: 'prefix', default: '/api/v1', help: 'global route prefix' },
  apiKey: { env: 'API_KEY', type: 'string', default: '', help: 'an API key of the account to load (npm run apikey:create -- <account>); every /api/v1 route needs one' },
  allowRemoteTarget: { env: 'ALLOW_REMOTE_TARGET', type: 'bool', default: false, help: 'allow a BASE_URL that is not loopback (only for a service you own)' },
  vus: { env: 'VUS', type: 'int', min: 1, max: 1000, default: 10, help: 'virtual users (per-vu-iterations scripts)' },
  iterations: { env: 'ITERATIONS', type: 'int', min: 1, max: 1000000, default: 20, help: 'iterations per VU (per-vu-iterations scripts)' },
  attempts: { env: 'ATTEMPTS', type: 'int', min: 2, max: 100, default: 3, help: 'payment-process: requests per key, one after the other' },
  concurrency: { env: 'CONCURRENCY', type: 'int', min: 2, max: 100, default: 5, help: 'concurrent-duplicates: requests per key, at once' },
  followUp: { env: 'FOLLOW_UP', type: 'bool', default: true, help: 'concurrent-duplicates: one more request after the batch, must be a replay' },
  duration: { env: 'DURATION', type: 'duration', default: '10m', help: 'soak: how long iterations start; per-VU scripts (default 5m): the most they run' },
  rate: { env: 'RATE', type: 'int', min: 1, max: 100000, default: 20, help: 'soak: iterations started per TIME_UNIT' },
  timeUnit: { env: 'TIME_UNIT', type: 'duration', default: '1s', help: 'soak: period of RATE' },
  preAllocatedVUs: { env: 'PRE_ALLOCATED_VUS', type: 'int', min: 1, max: 10000, default: 10, help: 'soak: VUs made before the start' },
  maxVUs: { env: 'MAX_VUS', type: 'int', min: 1, max: 10000, default: 50, help: 'soak: most VUs k6 may use' },
  replayRatio: { env: 'REPLAY_RATIO', type: 'number', min: 0, max: 1, default: 0.5, help: 'soak: share of iterations that replay an earlier key' },
  replayMemory: { env: 'REPLAY_MEMORY', type: 'int', min: 1, max: 100000, default: 100, help: 'soak: earlier payments each VU keeps for replays' },
  users: { env: 'USERS', type: 'int', min: 1, max: 100000, default: 0, help: 'users made in setup (0 = one per VU)' },
  unitPrice: { env: 'UNIT_PRICE', type: 'int', min: 1, max: 100000000, default: 1000, help: 'price of the one order item, in won' },
  quantity: { env: 'QUANTITY', type: 'int', min: 1, max: 1000, default: 1, help: 'quantity of the one order item' },
  itemName: { env: 'ITEM_NAME', type: 'string', default: 'k6 load-test item', help: 'name of the order item' },
  chargeChunk: { env: 'CHARGE_CHUNK', type: 'int', min: 1, max: 1000000000000, default: 10000000, help: 'largest single balance charge in setup' },
  checkBalance: { env: 'CHECK_BALANCE', type: 'bool', default: true, help: 'read the balance before and after each iteration (needs one user per VU)' },
  p95Ms: { env: 'P95_MS', type: 'number', min: 1, max: 600000, default: 200, help: 'threshold on http_req_duration p(95), ms' },
  p99Ms: { env: 'P99_MS', type: 'number', min: 1, max: 600000, default: 500, help: 'threshold on http_req_duration p(99), ms' },
  maxErrorRate: { env: 'MAX_ERROR_RATE', type: 'number', min: 0, max: 1, default: 0.01, help: 'threshold on http_req_failed rate' },
  requestTimeout: { env: 'REQUEST_TIMEOUT', type: 'duration', default: '10s', help: 'timeout of one HTTP request' },
  setupTimeout: { env: 'SETUP_TIMEOUT', type: 'duration', default: '2m', help: 'time allowed for setup()' },
  maxFailureLogs: { env: 'MAX_FAILURE_LOGS', type: 'int', min: 0, max: 100000, default: 10, help: 'failed iterations each VU logs in detail' },
});

const TRUE_WORDS = ['1', 'true', 'yes', 'on'];
const FALSE_WORDS = ['0', 'false', 'no', 'off'];
const DURATION_RE = /^(\d+(\.\d+)?(ms|s|m|h))+$/;
const DURATION_PART_RE = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
const UNIT_MS = { ms: 1, s: 1000, m: 60000, h: 3600000 };

/** Milliseconds of a k6/Go duration string such as "500ms", "30s", "1m30s", "2h"; NaN if invalid. */
export function parseDurationMs(text) {
  if (typeof text !== 'string' || !DURATION_RE.test(text)) return NaN;
  let total = 0;
  let match;
  DURATION_PART_RE.lastIndex = 0;
  while ((match = DURATION_PART_RE.exec(text)) !== null) total += parseFloat(match[1]) * UNIT_MS[match[2]];
  return total;
}

/** { protocol, host, port, path } of an http(s) URL, or null. Plain regex: k6 has no URL global. */
export function splitUrl(text) {
  const m = /^(https?):\/\/(\[[0-9a-fA-F:.]+\]|[^/:?#\s]+)(?::(\d{1,5}))?(\/[^?#\s]*)?$/.exec(String(text));
  if (!m) return null;
  return { protocol: m[1], host: m[2].toLowerCase(), port: m[3] ? Number(m[3]) : undefined, path: m[4] || '' };
}

/** localhost, 127.0.0.0/8 and ::1. */
export function isLoopbackHost(host) {
  const h = String(host).toLowerCase();
  if (h === 'localhost' || h === '[::1]' || h === '::1') return true;
  const m = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return !!m && [m[1], m[2], m[3]].every((part) => Number(part) <= 255);
}

function parseValue(spec, raw) {
  const text = String(raw).trim();
  switch (spec.type) {
    case 'int': {
      if (!/^-?\d+$/.test(text)) return { error: 'must be an integer' };
      const n = Number(text);
      if (n < spec.min || n > spec.max) return { error: `must be between ${spec.min} and ${spec.max}` };
      return { value: n };
    }
    case 'number': {
      if (!/^-?\d+(\.\d+)?$/.test(text)) return { error: 'must be a number' };
      const n = Number(text);
      if (n < spec.min || n > spec.max) return { error: `must be between ${spec.min} and ${spec.max}` };
      return { value: n };
    }
    case 'bool': {
      const word = text.toLowerCase();
      if (TRUE_WORDS.indexOf(word) >= 0) return { value: true };
      if (FALSE_WORDS.indexOf(word) >= 0) return { value: false };
      return { error: 'must be true or false' };
    }
    case 'duration': {
      const ms = parseDurationMs(text);
      if (!(ms > 0)) return { error: 'must be a duration such as 500ms, 30s, 10m or 1h30m' };
      return { value: text };
    }
    case 'url': {
      const trimmed = text.replace(/\/+$/, '');
      if (!splitUrl(trimmed)) return { error: 'must be an http:// or https:// URL such as http://127.0.0.1:3000' };
      return { value: trimmed };
    }
    case 'prefix': {
      if (text === '' || text === '/') return { value: '' };
      if (!/^\/[A-Za-z0-9._~\-/]*$/.test(text)) return { error: 'must be a path such as /api/v1' };
      return { value: text.replace(/\/+$/, '') };
    }
    default:
      return { value: text };
  }
}

/**
 * Reads the configuration from `env` (k6's __ENV, or any plain object).
 * `defaults` overrides the SCHEMA defaults by field name, e.g. { vus: 5 } for one script.
 * Unset and empty variables take the default. Throws one Error listing every invalid variable.
 */
export function parseConfig(env = {}, defaults = {}) {
  const source = env || {};
  const config = {};
  const problems = [];
  const fields = Object.keys(SCHEMA);
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i];
    const spec = SCHEMA[field];
    const raw = source[spec.env];
    if (raw === undefined || raw === null || String(raw).trim() === '') {
      config[field] = Object.prototype.hasOwnProperty.call(defaults, field) ? defaults[field] : spec.default;
      continue;
    }
    const parsed = parseValue(spec, raw);
    if (parsed.error) problems.push(`${spec.env} ${parsed.error} (got ${JSON.stringify(String(raw))})`);
    else config[field] = parsed.value;
  }
  if (problems.length === 0) {
    const url = splitUrl(config.baseUrl);
    if (!config.allowRemoteTarget && url && !isLoopbackHost(url.host)) {
      problems.push(
        `BASE_URL ${config.baseUrl} is not a loopback address: load-test only 127.0.0.1/localhost, ` +
          'or a service you own and run yourself with ALLOW_REMOTE_TARGET=true',
      );
    }
    if (config.apiKey === '') problems.push('API_KEY must be set: every /api/v1 route needs Authorization: Bearer <API key> (npm run apikey:create -- <account>, or .data/dev-api-key)');
    if (config.maxVUs < config.preAllocatedVUs) problems.push(`MAX_VUS (${config.maxVUs}) must be >= PRE_ALLOCATED_VUS (${config.preAllocatedVUs})`);
  }
  if (problems.length > 0) throw new Error(`Invalid k6 configuration:\n  - ${problems.join('\n  - ')}`);
  config.apiBase = config.baseUrl + config.apiPrefix;
  config.orderAmount = config.unitPrice * config.quantity;
  return config;
}
