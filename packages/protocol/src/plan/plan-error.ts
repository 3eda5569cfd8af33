/** A planning error with a code for programs and a message for people. */
export abstract class PlanError<Code extends string> extends Error {
  readonly code: Code;
  constructor(code: Code, message: string) {
    super(message);
    this.code = code;
  }
}
