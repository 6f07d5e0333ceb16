import { describe, expect, it } from 'vitest';
import { diffItems, formatChanges } from './diff.js';

type Spec = { prefix: string; timeoutMs: number; targets: string[] };
const spec = (prefix: string, timeoutMs = 30_000, targets = ['http://a']): Spec => ({ prefix, timeoutMs, targets });

describe('diffItems', () => {
  it('creates what is new, updates what differs, deletes what the file managed and dropped', () => {
    const changes = diffItems(
      'route',
      [
        { name: 'orders', spec: spec('/orders'), managed: true },
        { name: 'legacy', spec: spec('/legacy'), managed: true },
        { name: 'same', spec: spec('/same'), managed: true },
      ],
      [
        { name: 'orders', spec: spec('/orders', 5_000, ['http://a', 'http://b']) },
        { name: 'payments', spec: spec('/payments') },
        { name: 'same', spec: spec('/same') },
      ],
    );
    expect(changes).toEqual([
      { kind: 'route', action: 'create', name: 'payments', spec: spec('/payments') },
      {
        kind: 'route',
        action: 'update',
        name: 'orders',
        spec: spec('/orders', 5_000, ['http://a', 'http://b']),
        fields: {
          targets: { from: ['http://a'], to: ['http://a', 'http://b'] },
          timeoutMs: { from: 30_000, to: 5_000 },
        },
        adopt: false,
      },
      { kind: 'route', action: 'delete', name: 'legacy' },
    ]);
  });

  it('leaves rows made through the API alone unless the file names them, then takes them over', () => {
    const changes = diffItems(
      'plan',
      [
        { name: 'made-in-dashboard', spec: spec('/x'), managed: false },
        { name: 'claimed', spec: spec('/c'), managed: false },
      ],
      [{ name: 'claimed', spec: spec('/c') }],
    );
    expect(changes).toEqual([
      { kind: 'plan', action: 'update', name: 'claimed', spec: spec('/c'), fields: {}, adopt: true },
    ]);
  });

  it('nothing to do when the database matches the file', () => {
    const current = [{ name: 'a', spec: spec('/a'), managed: true }];
    expect(diffItems('route', current, [{ name: 'a', spec: spec('/a') }])).toEqual([]);
    expect(formatChanges([])).toBe('No changes: the database already matches the file.');
  });

  it('prints one line per change and a total', () => {
    const text = formatChanges(
      diffItems(
        'route',
        [
          { name: 'orders', spec: spec('/orders'), managed: true },
          { name: 'old', spec: spec('/old'), managed: true },
          { name: 'api', spec: spec('/api'), managed: false },
        ],
        [
          { name: 'orders', spec: spec('/orders', 5_000) },
          { name: 'new', spec: spec('/new') },
          { name: 'api', spec: spec('/api') },
        ],
      ),
    );
    expect(text.split('\n')).toEqual([
      '+ create route new',
      '~ update route api (taken over from the API)',
      '~ update route orders (timeoutMs: 30000 → 5000)',
      '- delete route old',
      '4 changes: 1 to create, 2 to update, 1 to delete.',
    ]);
  });
});
