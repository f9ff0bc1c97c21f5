/** The CDR area's error registry: string codes, each with the sentence operators read. */

export const CdrErrorCodes = {
  CDR_ERR_OPTIONS: 'A CDR option is invalid.',
  CDR_ERR_STARTUP: 'The CDR folder cannot be written; the relay refuses to start rather than run meetings it cannot record.',
  CDR_ERR_LOCKED: 'Another running process holds the CDR folder.',
  CDR_ERR_OUTBOX_WRITE: 'A record could not be appended to the CDR outbox; it is kept in memory and retried.',
  CDR_ERR_JOURNAL_WRITE: 'The CDR journal could not be written; crash recovery may miss the latest events until it can.',
  CDR_ERR_NOT_WRITABLE: 'The CDR folder stopped accepting writes (read-only, removed or full).',
  CDR_ERR_DISK_LOW: 'The CDR folder\'s file system is below the free-space floor (minFreeBytes).',
  CDR_ERR_CLOSED: 'The CDR recorder is closed.',
  CDR_ERR_SINK: 'A CDR sink failed to deliver; the record is retried.',
  CDR_ERR_SINK_REJECTED: 'A CDR sink permanently refused a record; it is parked in the failed file.',
} as const;

export type CdrErrorCode = keyof typeof CdrErrorCodes;

/** An error of the CDR area. The message never contains record bodies or secrets. */
export class CdrError extends Error {
  readonly code: CdrErrorCode;

  constructor(code: CdrErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CdrError';
    this.code = code;
  }
}

/** A bad option: thrown by createCdrRecorder before it touches the disk. The message names the setting. */
export class CdrOptionsError extends CdrError {
  constructor(setting: string, problem: string) {
    super('CDR_ERR_OPTIONS', `CDR option ${setting}: ${problem}`);
    this.name = 'CdrOptionsError';
  }
}

/** The CDR store cannot be used at startup; `path` names the file or folder that failed. */
export class CdrStartupError extends CdrError {
  readonly path: string;

  constructor(path: string, detail: string, options?: { cause?: unknown; code?: 'CDR_ERR_STARTUP' | 'CDR_ERR_LOCKED' }) {
    super(options?.code ?? 'CDR_ERR_STARTUP', `cannot use the CDR store at ${path}: ${detail}`, options);
    this.name = 'CdrStartupError';
    this.path = path;
  }
}

/** A short, content-free description of a file-system or network error: its code, else its class. */
export function errorCode(err: unknown): string {
  if (err !== null && typeof err === 'object') {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    const cause = (err as { cause?: unknown }).cause;
    if (cause !== undefined && cause !== err) {
      const inner = errorCode(cause);
      if (inner !== 'Error') return inner;
    }
    if (err instanceof Error) return err.name;
  }
  return 'Error';
}
