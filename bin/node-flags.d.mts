// Types for bin/node-flags.mjs (read by the TypeScript benchmark).
export declare const IMPORT_NODE_FLAGS: string[];
