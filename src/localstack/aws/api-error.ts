// An error answer of the local AWS control plane, as the service itself gives it: the error code
// the SDK turns into the error's `name` (ClusterNotFound → ClusterNotFoundFault), the message, and
// the HTTP status real AWS sends with it; `fields` are the members some error shapes carry besides
// the message (the Data API's ResourceNotFoundException names its ResourceId).
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Record<string, string> = {},
  ) {
    super(message);
  }
}
