/** The close event k6/websockets delivers (code only when non-zero), which @types/k6 does not declare. */
import 'k6/websockets';

declare module 'k6/websockets' {
  interface CloseEvent {
    type: 'close';
    /** The server's close code; absent when the connection ended without a close frame. */
    code?: number;
    reason: string;
    timestamp: number;
  }
}
