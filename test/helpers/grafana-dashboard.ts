/** The parts of a Grafana dashboard JSON that the tests read. */
export interface Dashboard {
  uid: string;
  title: string;
  schemaVersion: number;
  panels: Panel[];
  templating: { list: Variable[] };
  annotations: { list: Annotation[] };
}

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos: { h: number; w: number; x: number; y: number };
  datasource?: { type: string; uid: string };
  repeat?: string;
  targets?: { rawQuery?: boolean; query?: string; datasource?: { uid: string } }[];
}

interface Variable {
  name: string;
  type: string;
  query: string;
  regex: string;
  includeAll: boolean;
  allValue: string | null;
  datasource: { type: string; uid: string };
}

interface Annotation {
  name: string;
  datasource: { type: string; uid: string };
  query?: string;
  builtIn?: number;
}

export interface DashboardQuery {
  /** Which panel or annotation it belongs to, for assertion messages. */
  readonly where: string;
  readonly text: string;
}

/** Every InfluxQL query of a dashboard: template variables in order, panel targets, annotation queries. */
export function dashboardQueries(dashboard: Dashboard) {
  const variables = dashboard.templating.list
    .filter((variable) => variable.type === 'query')
    .map((variable) => ({ name: variable.name, query: variable.query, regex: variable.regex, includeAll: variable.includeAll, allValue: variable.allValue ?? '.*' }));
  const panels: DashboardQuery[] = dashboard.panels.flatMap((panel) =>
    (panel.targets ?? []).map((target) => ({ where: `panel "${panel.title}"`, text: target.query ?? '' })),
  );
  const annotations: DashboardQuery[] = dashboard.annotations.list
    .filter((annotation) => !annotation.builtIn && annotation.query)
    .map((annotation) => ({ where: `annotation "${annotation.name}"`, text: annotation.query! }));
  return { variables, panels, annotations };
}

/** A variable's selection: All (its allValue) or some values. */
export type VariableChoice = { all: string } | { values: string[] };

/**
 * Replaces `$name` as Grafana does inside InfluxQL regexes: All becomes the variable's allValue, one value its
 * regex-escaped self, several values `(a|b)`; `$timeFilter` and `$__interval` become what the test gives.
 */
export function substituteVariables(
  query: string,
  chosen: ReadonlyMap<string, VariableChoice>,
  builtIns: { timeFilter: string; interval: string } = { timeFilter: 'time > now() - 1h', interval: '10s' },
): string {
  return query.replace(/\$(__interval|timeFilter|[A-Za-z_][A-Za-z0-9_]*)/g, (whole, name: string) => {
    if (name === 'timeFilter') return builtIns.timeFilter;
    if (name === '__interval') return builtIns.interval;
    const choice = chosen.get(name);
    if (!choice) return whole;
    if ('all' in choice) return choice.all;
    const escaped = choice.values.map((value) => value.replace(/[\\^$.|?*+()[\]{}/]/g, '\\$&'));
    return escaped.length === 1 ? escaped[0]! : `(${escaped.join('|')})`;
  });
}
