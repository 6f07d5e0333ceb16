import { USAGE_GROUP_BY, type UsageGroupBy } from '@gateway/shared';
import { isOverviewRange, type OverviewRange } from '../../admin/_components/overview-range';

/** The filters of every analytics request, named as the API names them (and as the URL holds them). */
export const FILTER_NAMES = ['keyId', 'userId', 'route', 'pathPrefix', 'status', 'method'] as const;
export type FilterName = (typeof FILTER_NAMES)[number];
export type AnalyticsFilters = Partial<Record<FilterName, string>>;

/** Clicking a row of a breakdown by `groupBy` sets this filter to the row's value. */
export const FILTER_OF: Record<UsageGroupBy, FilterName> = {
  key: 'keyId',
  user: 'userId',
  route: 'route',
  path: 'pathPrefix',
  status: 'status',
  method: 'method',
};

export type AnalyticsView = 'breakdown' | 'requests';

/** Everything the page shows, held in the URL: shareable, and the back button undoes a click. */
export interface AnalyticsState {
  range: OverviewRange;
  groupBy: UsageGroupBy;
  view: AnalyticsView;
  filters: AnalyticsFilters;
}

/** Breakdowns a role can pick: a user's keys all have one owner, so "by user" is for admins. */
export function groupingsFor(admin: boolean): readonly UsageGroupBy[] {
  return admin ? USAGE_GROUP_BY : USAGE_GROUP_BY.filter((g) => g !== 'user');
}

type Search = Pick<URLSearchParams, 'get'>;

/** The page's state from its search params; unknown values fall back to the defaults (the API judges filters). */
export function stateFromSearch(search: Search, admin: boolean): AnalyticsState {
  const range = search.get('range');
  const by = search.get('by');
  const filters: AnalyticsFilters = {};
  for (const name of FILTER_NAMES) {
    const value = search.get(name);
    if (value) filters[name] = value;
  }
  return {
    range: isOverviewRange(range) ? range : '24h',
    groupBy: groupingsFor(admin).find((g) => g === by) ?? 'key',
    view: search.get('view') === 'requests' ? 'requests' : 'breakdown',
    filters,
  };
}

/** The search string for a state, defaults left out: `?range=7d&by=path&keyId=…`. */
export function searchOf(state: AnalyticsState): string {
  const params = new URLSearchParams();
  if (state.range !== '24h') params.set('range', state.range);
  if (state.groupBy !== 'key') params.set('by', state.groupBy);
  if (state.view === 'requests') params.set('view', 'requests');
  for (const name of FILTER_NAMES) {
    const value = state.filters[name];
    if (value) params.set(name, value);
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** The state with one filter set (or removed with `undefined`). */
export function withFilter(state: AnalyticsState, name: FilterName, value: string | undefined): AnalyticsState {
  const filters = { ...state.filters };
  if (value === undefined) delete filters[name];
  else filters[name] = value;
  return { ...state, filters };
}
