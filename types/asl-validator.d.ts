/** asl-validator 4 ships no types; this is the part the tests use. It mutates its input: pass a clone. */
declare module 'asl-validator' {
  interface AslValidatorOptions {
    readonly checkPaths?: boolean;
    readonly checkArn?: boolean;
  }
  interface AslValidatorResult {
    readonly isValid: boolean;
    readonly errors: readonly { readonly message?: string; readonly [key: string]: unknown }[];
    errorsText(separator?: string): string;
  }
  function aslValidator(definition: unknown, options?: AslValidatorOptions): AslValidatorResult;
  export = aslValidator;
}
