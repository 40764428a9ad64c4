/**
 * Acknowledging cdk-nag findings: always one exact finding id, on the narrowest construct,
 * with a reason a security reviewer can check.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * How cdk-nag writes the ARN prefix of this account and region in finding ids
 * (`arn:<AWS::Partition>:<service>:<AWS::Region>:<AWS::AccountId>:`).
 */
export function nagArnPrefix(service: string): string {
  return `arn:<AWS::Partition>:${service}:<AWS::Region>:<AWS::AccountId>:`;
}

/**
 * Acknowledges one finding of `ruleId` on `scope` (and the resources under it): with a
 * `finding` the id is `ruleId[finding]`, e.g. `AwsSolutions-IAM5[Resource::*]`.
 */
export function acknowledge(
  scope: IConstruct,
  ruleId: string,
  finding: string | undefined,
  reason: string,
): void {
  Validations.of(scope).acknowledge({ id: finding === undefined ? ruleId : `${ruleId}[${finding}]`, reason });
}
