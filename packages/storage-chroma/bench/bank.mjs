// Synthetic memory banks and query streams for the benchmark: the same every run (a seeded generator), varied enough
// that 10,000 memories are 10,000 different texts.

let seed = 7; // mulberry32
export const random = () => {
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
export const pick = (list) => list[Math.floor(random() * list.length)];

const SUBJECTS = ['a web form', 'a paginated search', 'a Python list', 'a REST API', 'a SQL query', 'a shopping cart',
  'a login page', 'a git merge', 'a CSV import', 'a date picker', 'a flaky test', 'a Docker build', 'a JSON schema',
  'an npm install', 'a regular expression', 'a file upload', 'a dropdown menu', 'a rate-limited API', 'a memory leak',
  'a cron job', 'a Kubernetes pod', 'a TLS certificate', 'a websocket', 'a cache layer', 'a message queue',
  'a GraphQL resolver', 'a database migration', 'a PDF export', 'an OAuth login', 'a search index', 'a thread pool',
  'a build script', 'a config file', 'a timezone conversion', 'a unicode string', 'an image resize', 'a retry loop',
  'a feature flag', 'a log parser', 'a payment webhook'];
const ACTIONS = ['fails silently', 'returns stale results', 'times out', 'rejects valid input', 'loses state on reload',
  'is slow under load', 'hides the next step', 'breaks after an update', 'returns partial data', 'needs a retry',
  'leaks connections', 'crashes on empty input', 'double counts items', 'ignores the locale', 'deadlocks at startup',
  'drops the last page', 'mixes up two users', 'corrupts unicode', 'overflows its buffer', 'skips validation',
  'logs secrets', 'runs twice', 'never finishes', 'reports success on failure', 'uses the wrong encoding'];
const ADVICE = ['read the error message before retrying', 'check every page before concluding', 'verify the input format',
  'wait for the element to load', 'inspect the network response', 'compare with a known-good run', 'reduce the batch size',
  'pin the dependency version', 'log the intermediate state', 'test the smallest failing case', 'add a deadline to the call',
  'make the operation idempotent', 'normalise the text first', 'sort before comparing', 'close what you open',
  'check the timezone', 'bound the queue', 'validate at the boundary', 'reproduce it in isolation', 'read the changelog'];
const DOMAINS = ['web', 'python', 'sql', 'devops', 'api', 'testing'];

/** The i-th memory of the bank (0 <= i < 20,000 distinct texts). */
export function memory(i) {
  const subject = SUBJECTS[i % SUBJECTS.length];
  const action = ACTIONS[Math.floor(i / SUBJECTS.length) % ACTIONS.length];
  const advice = ADVICE[Math.floor(i / (SUBJECTS.length * ACTIONS.length)) % ADVICE.length];
  return {
    id: `m${i}`,
    title: `When ${subject} ${action}`,
    description: `Use when ${subject} ${action} (case ${i}).`,
    content: `If ${subject} ${action}, ${advice}; then ${ADVICE[(i * 7) % ADVICE.length]} and record what changed.`,
    domain: DOMAINS[i % DOMAINS.length],
    tags: [DOMAINS[(i + 1) % DOMAINS.length]],
  };
}

/** `count` distinct task-like queries, none equal to a memory's text. */
export function queries(count, offset = 0) {
  return Array.from({ length: count }, (_, j) => {
    const i = j + offset;
    return `How should I handle ${SUBJECTS[(i * 13) % SUBJECTS.length]} that ${ACTIONS[(i * 7) % ACTIONS.length]}? attempt ${i}`;
  });
}

/** A Zipf (s) stream of `length` draws over `distinct` queries: rank r with probability proportional to 1 / r^s. */
export function zipfStream(distinct, length, s = 1) {
  const weights = distinct.map((_, r) => 1 / (r + 1) ** s);
  const total = weights.reduce((a, b) => a + b, 0);
  return Array.from({ length }, () => {
    let x = random() * total;
    for (let r = 0; r < weights.length; r++) if ((x -= weights[r]) <= 0) return distinct[r];
    return distinct.at(-1);
  });
}

/** The same query as a user might type it again: other case, extra spaces, a trailing punctuation change. */
export function surfaceVariant(query) {
  switch (Math.floor(random() * 5)) {
    case 0:
      return query;
    case 1:
      return query.toLowerCase();
    case 2:
      return `  ${query.replace(/ /g, '  ')} `;
    case 3:
      return query.toUpperCase();
    default:
      return query.replace(/\?/, '.');
  }
}

/** A unit vector of `dimension` random coordinates. */
export function randomUnit(dimension) {
  const v = new Float32Array(dimension);
  let norm = 0;
  for (let i = 0; i < dimension; i++) {
    v[i] = random() * 2 - 1;
    norm += v[i] * v[i];
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < dimension; i++) v[i] /= norm;
  return v;
}
