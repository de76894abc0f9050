// What a `baton` command writes to and reads: the process's streams and environment, or a
// test's stand-ins.
export interface CliIo {
  stdout: { write(text: string): unknown };
  stderr: { isTTY?: boolean; columns?: number; write(text: string): unknown };
  env: NodeJS.ProcessEnv;
}
