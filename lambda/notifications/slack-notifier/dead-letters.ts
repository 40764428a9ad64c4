/**
 * Reading dead letters back. Everything that lands in the notifications
 * dead-letter queue is one of four shapes; each carries one or more
 * EventBridge events (as JSON strings), which a replay feeds back through the
 * notifier. Pure.
 *
 * - the notifier's own dead letter (permanent Slack errors, invalid events): `{ kind, error, reason, message }`;
 * - the Lambda on-failure destination record: `{ requestContext, requestPayload: <SNS event>, ... }`;
 * - the SNS subscription's dead letter: the SNS envelope `{ Type: "Notification", Message, ... }`;
 * - the EventBridge target's dead letter: the event itself.
 */

/** The EventBridge event JSON strings a dead letter carries, or undefined for an unknown shape. */
export function eventsInDeadLetter(body: string): string[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  const record = parsed as Record<string, unknown>;
  if (typeof record.kind === 'string' && typeof record.message === 'string') return [record.message];
  if (typeof record.requestContext === 'object' && typeof record.requestPayload === 'object') {
    const records = (record.requestPayload as { Records?: unknown } | null)?.Records;
    if (!Array.isArray(records) || records.length === 0) return undefined;
    const messages = records.map((r) => (r as { Sns?: { Message?: unknown } } | null)?.Sns?.Message);
    return messages.every((m): m is string => typeof m === 'string') ? messages : undefined;
  }
  if (record.Type === 'Notification' && typeof record.Message === 'string') return [record.Message];
  if (typeof record.source === 'string' && typeof record['detail-type'] === 'string' && 'detail' in record) {
    return [body];
  }
  return undefined;
}
