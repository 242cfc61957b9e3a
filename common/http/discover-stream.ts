/**
 * Reading the discovery progress stream (`POST /api/nodes/discover` answered
 * as NDJSON) as it arrives: every line is checked against its schema in
 * `common/protocol/vdc-api.ts` the moment it is complete, so a line that
 * does not match ends the request at once as HOST_PROTOCOL_ERROR instead of
 * waiting for the rest. Lines are cut on the newline byte, never inside a
 * character; the unfinished line is kept as the chunks it arrived in (the
 * request holds them anyway), so it costs no copy and is bounded by the
 * request's body limit.
 */
import type { IncomingHttpHeaders } from 'node:http';
import {
  checkVdcReply,
  DISCOVER_STAGES,
  type DiscoverResponse,
  DiscoverResultLine,
  type DiscoverStage,
  DiscoverStageLine,
  errorFromBody,
  NDJSON,
} from '../protocol/vdc-api.js';
import { QuantixError } from '../protocol/errors.js';

const NEWLINE = 0x0a;
const STREAM_HINT = 'Check that the console and the vDC run the same Quantix version.';

function streamError(what: string): QuantixError {
  return new QuantixError('HOST_PROTOCOL_ERROR', { message: `The vDC ${what}.`, hint: STREAM_HINT });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** The final line of a stream: the answer, or the error the vDC reported. */
type Final = { result: DiscoverResponse } | { error: QuantixError };

/**
 * Reads one discovery's answer chunk by chunk. Feed it every chunk with
 * `push` (it reads only an NDJSON answer; any other is left to the caller),
 * then call `end` once the body is complete.
 */
export class DiscoverStreamReader {
  private pending: Buffer[] = [];
  private final: Final | null = null;
  private status = 0;

  constructor(private readonly onStage: (stage: DiscoverStage) => void) {}

  /** Takes the next chunk; throws HOST_PROTOCOL_ERROR at the first line that does not match. */
  push(chunk: Buffer, head: { status: number; headers: IncomingHttpHeaders }): void {
    if (!isStream(head.headers)) return;
    this.status = head.status;
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
      this.pending.push(chunk.subarray(start, nl));
      const line = Buffer.concat(this.pending);
      this.pending = [];
      start = nl + 1;
      this.line(line);
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
  }

  /** At the end of the body: the result, or the vDC's error thrown; HOST_PROTOCOL_ERROR when neither came. */
  end(): DiscoverResponse {
    if (this.pending.length) this.line(Buffer.concat(this.pending));
    this.pending = [];
    if (!this.final) throw streamError('ended the discovery stream without a result');
    if ('error' in this.final) throw this.final.error;
    return this.final.result;
  }

  private line(bytes: Buffer): void {
    const text = bytes.toString('utf8');
    if (text.trim() === '') return;
    if (this.final) throw streamError('sent more after the last line of the discovery stream');
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw streamError('sent a discovery progress line that is not JSON');
    }
    if (!isObj(v)) throw streamError('sent a discovery progress line that is not a JSON object');
    if ('stage' in v) {
      // A stage this console does not know (a newer vDC's finer step) is passed over: the result line still decides.
      if (typeof v.stage === 'string' && !(DISCOVER_STAGES as readonly string[]).includes(v.stage)) return;
      const stage = checkVdcReply(DiscoverStageLine, v, 'progress').stage;
      try {
        this.onStage(stage);
      } catch (err) {
        // The console's own failure, not the vDC's: said as such rather than as a connection that was lost.
        throw err instanceof QuantixError
          ? err
          : new QuantixError('INTERNAL', {
              message: `Showing the discovery's progress failed: ${err instanceof Error ? err.message : String(err)}`,
            });
      }
    } else if ('result' in v) {
      this.final = { result: checkVdcReply(DiscoverResultLine, v, 'progress').result };
    } else if ('error' in v) {
      // Read as any error body is (DiscoverErrorLine): an unknown code is INTERNAL, a body that differs is refused.
      this.final = { error: errorFromBody(v.error, this.status) };
    } else {
      throw streamError('sent a discovery progress line that is neither a stage, a result nor an error');
    }
  }
}

/** True when an answer is the progress stream rather than one JSON body. */
export function isStream(headers: IncomingHttpHeaders): boolean {
  return (headers['content-type'] ?? '').startsWith(NDJSON);
}
