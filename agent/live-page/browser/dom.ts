/** Builds elements from data with textContent only: sensor names and messages never become markup. */
export function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: (Node | string | undefined)[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
  for (const child of children) if (child !== undefined) node.append(child);
  return node;
}

export function byId<T extends HTMLElement>(id: string): T {
  return document.getElementById(id) as T;
}

/** A table with a header row and one row per item. */
export function table(headings: string[], rows: (Node | string)[][], className = ''): HTMLTableElement {
  return element(
    'table',
    className ? { class: className } : {},
    element('thead', {}, element('tr', {}, ...headings.map((heading) => element('th', {}, heading)))),
    element('tbody', {}, ...rows.map((cells) => element('tr', {}, ...cells.map((cell) => element('td', {}, cell))))),
  );
}
