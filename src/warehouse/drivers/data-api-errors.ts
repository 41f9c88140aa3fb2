// The Data API reports a failed statement as Redshift's text ("ERROR: relation \"x\" does not
// exist"), without the SQLSTATE a pg connection carries. rsetl classifies failures by code first
// (warehouse/errors.ts), so the code is recovered from Redshift's wording where it is known; the
// rest keep their text, which the classifier also reads (1023, Load into table …, permission …).

interface PgLikeError {
  message: string;
  code?: string;
}

/** Redshift's wordings → PostgreSQL's SQLSTATE codes, first match wins. */
const CODES: Array<[RegExp, string]> = [
  [/permission denied|must be owner|not authorized/i, '42501'],
  [/relation .* does not exist|table .* does not exist/i, '42P01'],
  [/column .* does not exist/i, '42703'],
  [/schema .* does not exist/i, '3F000'],
  [/database .* does not exist/i, '3D000'],
  [/function .* does not exist/i, '42883'],
  [/syntax error/i, '42601'],
  [/already exists/i, '42P07'],
  [/division by zero/i, '22012'],
  [/value too long|out of range|invalid input syntax/i, '22000'],
  [/deadlock detected/i, '40P01'],
  [/serializable isolation violation|\b1023\b/i, 'XX000'],
  [/password authentication failed|authentication failed/i, '28P01'],
  [/canceling statement|query cancelled|cancelled on user's request/i, '57014'],
];

export function pgErrorFromDataApi(text: string): PgLikeError {
  // "ERROR: message\n  Detail: …" → the message line, as pg's error.message holds it.
  const message = text.replace(/^\s*(ERROR|FATAL):\s*/i, '').split('\n')[0]!.trim();
  const code = CODES.find(([re]) => re.test(text))?.[1];
  return { message, ...(code !== undefined && { code }) };
}
