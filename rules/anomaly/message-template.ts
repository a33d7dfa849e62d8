/**
 * Alert message templates: `"{{sensor}} at {{value}} °C, above {{threshold}}"`. Plain `{{name}}` substitution,
 * parsed once when the rule is loaded; no expressions, no eval. Numbers print with up to 2 decimals, or exactly
 * `d` decimals with `{{value:d}}`; NaN prints as `n/a`. `{{tags.room}}` and `{{labels.team}}` read tags and labels.
 */
export type TemplateValues = Readonly<Record<string, string | number | undefined>>;

/** The names a template may use besides `tags.*` and `labels.*`. */
export const TEMPLATE_NAMES = [
  'rule',
  'source',
  'sensor',
  'value',
  'statistic',
  'threshold',
  'score',
  'reason',
  'detector',
  'state',
  'severity',
  'since',
] as const;

const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.-]*)(?::(\d))?\s*\}\}/g;

type Part = string | { readonly name: string; readonly digits: number | undefined };

export function formatNumber(value: number, digits?: number): string {
  if (Number.isNaN(value)) return 'n/a';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : '-∞';
  if (digits !== undefined) return value.toFixed(digits);
  return String(Math.round(value * 100) / 100);
}

export class MessageTemplate {
  private readonly parts: readonly Part[];

  /** Throws with the offending placeholder when the template names something it cannot fill. */
  constructor(readonly text: string) {
    const parts: Part[] = [];
    let last = 0;
    for (const match of text.matchAll(PLACEHOLDER)) {
      const name = match[1]!;
      const known = (TEMPLATE_NAMES as readonly string[]).includes(name) || /^(tags|labels)\.[^.]+$/.test(name);
      if (!known) {
        const names = `${TEMPLATE_NAMES.join(', ')}, tags.<name>, labels.<name>`;
        throw new Error(`message: unknown placeholder {{${name}}}; use one of ${names}`);
      }
      parts.push(text.slice(last, match.index), { name, digits: match[2] === undefined ? undefined : Number(match[2]) });
      last = match.index + match[0].length;
    }
    parts.push(text.slice(last));
    if (parts.some((part) => typeof part === 'string' && /\{\{|\}\}/.test(part))) {
      throw new Error(`message: malformed placeholder in "${text}"; write {{name}} or {{name:digits}}`);
    }
    this.parts = parts.filter((part) => part !== '');
  }

  render(values: TemplateValues): string {
    let result = '';
    for (const part of this.parts) {
      if (typeof part === 'string') {
        result += part;
        continue;
      }
      const value = values[part.name];
      result += typeof value === 'number' ? formatNumber(value, part.digits) : (value ?? '');
    }
    return result;
  }
}
