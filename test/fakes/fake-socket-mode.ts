// Slack's Socket Mode, faked: apps.connections.open (answered by the fake Slack) hands out
// this WebSocket server's URL; it says hello, sends envelopes and collects acks.
import type { AddressInfo } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";

export interface Envelope {
  envelope_id: string;
  type: "slash_commands" | "interactive" | "events_api";
  payload: unknown;
  accepts_response_payload?: boolean;
}

export interface FakeSocketMode {
  url: string;
  connected(): Promise<void>;
  /** Sends an envelope and resolves with the ack Baton sends back. */
  send(
    envelope: Omit<Envelope, "envelope_id">,
  ): Promise<{ envelope_id: string; payload?: unknown }>;
  close(): Promise<void>;
}

export async function startFakeSocketMode(): Promise<FakeSocketMode> {
  const server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/link`;
  let socket: WebSocket | undefined;
  let onConnect: (() => void) | undefined;
  const acks = new Map<string, (ack: { envelope_id: string; payload?: unknown }) => void>();
  let seq = 0;

  server.on("connection", (ws) => {
    socket = ws;
    ws.on("message", (data) => {
      const ack = JSON.parse(String(data)) as { envelope_id: string; payload?: unknown };
      acks.get(ack.envelope_id)?.(ack);
    });
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: 1,
        debug_info: { host: "fake" },
        connection_info: { app_id: "A0BATON001" },
      }),
    );
    onConnect?.();
  });

  return {
    url,
    connected: () =>
      socket
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            onConnect = resolve;
          }),
    send(envelope) {
      const envelope_id = `env-${++seq}`;
      return new Promise((resolve, reject) => {
        if (!socket) return reject(new Error("Baton is not connected"));
        acks.set(envelope_id, resolve);
        socket.send(JSON.stringify({ ...envelope, envelope_id }));
      });
    },
    async close() {
      for (const client of server.clients) client.terminate();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
