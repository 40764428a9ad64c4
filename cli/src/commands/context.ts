/** What every command gets: clients, output, time. */
import type { AwsClients } from '../aws';
import type { Clock } from '../clock';
import type { Printer } from '../output';

/** The side-effect providers of one run. */
export interface CommandContext {
  readonly clients: AwsClients;
  readonly printer: Printer;
  readonly clock: Clock;
  /** SDK attempts per call (used by the SubmitJob retry loop too). */
  readonly maxAttempts: number;
}
