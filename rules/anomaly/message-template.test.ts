import { describe, expect, it } from 'vitest';
import { formatNumber, MessageTemplate } from './message-template.js';

describe('alert message template', () => {
  it('substitutes names, formats numbers to two decimals at most, and fixed digits on request', () => {
    const template = new MessageTemplate('{{sensor}} at {{value}} °C, above {{threshold}} ({{score:1}}σ)');
    expect(template.render({ sensor: 'cellar/temp', value: 31.23456, threshold: 30, score: 4 })).toBe('cellar/temp at 31.23 °C, above 30 (4.0σ)');
  });

  it('reads tags and labels, prints unknown ones empty and NaN as n/a', () => {
    const template = new MessageTemplate('{{tags.room}}/{{labels.team}}: {{value}}{{tags.absent}}');
    expect(template.render({ 'tags.room': 'north', 'labels.team': 'ops', value: Number.NaN })).toBe('north/ops: n/a');
  });

  it('treats the text as text: no expressions, nothing evaluated', () => {
    expect(() => new MessageTemplate('{{value * 2}}')).toThrow(/malformed placeholder/);
    expect(() => new MessageTemplate('{{process}}')).toThrow(/unknown placeholder \{\{process\}\}/);
    expect(new MessageTemplate('${value} {x}').render({ value: 1 })).toBe('${value} {x}');
  });

  it('formats infinities and integers plainly', () => {
    expect(formatNumber(Number.POSITIVE_INFINITY)).toBe('∞');
    expect(formatNumber(12)).toBe('12');
    expect(formatNumber(-0.004)).toBe('0');
  });
});
