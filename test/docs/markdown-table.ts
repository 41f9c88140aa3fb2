// The markdown tables the docs tests check against the code.

/** The rows of the first markdown table after `<a id="anchor"></a>`, split into trimmed cells. */
export function tableRowsAfter(markdown: string, anchor: string, doc = 'the document'): { header: string[]; rows: string[][] } {
  const at = markdown.indexOf(`<a id="${anchor}"></a>`);
  if (at < 0) throw new Error(`${doc} has no anchor <a id="${anchor}"></a>`);
  const lines = markdown.slice(at).split('\n');
  const first = lines.findIndex((l) => l.trimStart().startsWith('|'));
  if (first < 0) throw new Error(`${doc}: no table after #${anchor}`);
  const block: string[] = [];
  for (const l of lines.slice(first)) {
    if (!l.trimStart().startsWith('|')) break;
    block.push(l.trim());
  }
  const cells = (l: string) => l.replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
  const [head, separator, ...body] = block;
  if (!head || !separator || !/^\|[\s:|-]+\|$/.test(separator)) throw new Error(`${doc}: malformed table after #${anchor}`);
  return { header: cells(head), rows: body.map(cells) };
}
