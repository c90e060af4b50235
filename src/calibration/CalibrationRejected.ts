/**
 * A refusal: `reason` is a clear sentence for the installer. In a file of its
 * own so the gateway can tell a refusal without loading the solver (its
 * numerical library runs in a worker; docs/performance.md, F11).
 */
export class CalibrationRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'CalibrationRejected';
  }
}
