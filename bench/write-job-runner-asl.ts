/**
 * `npm run asl`: writes the job runner's concrete ASL to
 * build/job-runner.asl.json (placeholder ARNs), for review, diffing and
 * pasting into the Step Functions console's Workflow Studio.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { synthesizeJobRunnerAsl } from './job-runner-asl';

const out = path.join(__dirname, '..', 'build', 'job-runner.asl.json');
mkdirSync(path.dirname(out), { recursive: true });
writeFileSync(out, `${JSON.stringify(synthesizeJobRunnerAsl(), null, 2)}\n`);
console.log(`wrote ${path.relative(process.cwd(), out)}`);
