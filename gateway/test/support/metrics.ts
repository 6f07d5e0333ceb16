import { get } from 'node:http';

/**
 * Reads /metrics over HTTP, as a scraper would, on a connection of its own that is closed
 * afterwards (so scraping never changes the gateway's connection count).
 */
export function scrapeMetrics(baseUrl: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(`${baseUrl}/metrics`, { agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        text += c;
      });
      res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`/metrics → ${res.statusCode}`))));
      res.on('error', reject);
    }).on('error', reject);
  });
}

/**
 * The sum of every sample of `name` whose labels include `labels` (0 when there is none), from
 * Prometheus text exposition.
 */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== ' ' && rest[0] !== '{') continue;
    const labelText = rest[0] === '{' ? rest.slice(1, rest.indexOf('}')) : '';
    const matches = Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`));
    if (matches) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** Scrapes and reads one metric. */
export async function readMetric(baseUrl: string, name: string, labels?: Record<string, string>): Promise<number> {
  return metricValue(await scrapeMetrics(baseUrl), name, labels);
}
