// The two node:http types index.d.ts names, for type-checking without
// @types/node (not packaged by Debian).
declare module 'node:http' {
  export class IncomingMessage { method?: string; url?: string; headers: Record<string, string | string[] | undefined>; }
  export class ServerResponse { end(body?: string): void; }
}
