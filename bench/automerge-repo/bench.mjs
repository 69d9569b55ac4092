// The automerge-repo 2.5 side of punkt-sync-bench: the same client files (JSON of the Automerge
// documents Punkt stores), a server like automerge-repo's sync-server (NodeFS storage,
// WebSocket, sharePolicy false) on loopback, a fresh client fetching every document, then the
// same client reconnecting with nothing changed. Bytes are counted by a TCP proxy in front of
// the server. Prints one line of JSON.
//
//   node bench.mjs DOCS.json WORKDIR
import fs from "node:fs"
import net from "node:net"
import path from "node:path"
import { Repo } from "@automerge/automerge-repo"
import { NodeFSStorageAdapter } from "@automerge/automerge-repo-storage-nodefs"
import { BrowserWebSocketClientAdapter, NodeWSServerAdapter } from "@automerge/automerge-repo-network-websocket"
import { WebSocketServer } from "ws"

const [docsFile, work] = process.argv.slice(2)
const docs = JSON.parse(fs.readFileSync(docsFile, "utf8"))
fs.rmSync(work, { recursive: true, force: true })
fs.mkdirSync(work, { recursive: true })
const now = () => performance.now() / 1000

// 1. The server's storage, filled offline (not timed).
const seed = new Repo({ storage: new NodeFSStorageAdapter(path.join(work, "server")), network: [] })
const urls = []
for (const d of docs) {
  const h = seed.create()
  h.change(doc => Object.assign(doc, d))
  urls.push(h.url)
}
await seed.flush()
await seed.shutdown()

// 2. The server.
const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 })
await new Promise(r => wss.on("listening", r))
const server = new Repo({
  storage: new NodeFSStorageAdapter(path.join(work, "server")),
  network: [new NodeWSServerAdapter(wss)],
  sharePolicy: async () => false,
})

// 3. A byte-counting proxy.
let bytes = 0
let lastTraffic = now()
const proxy = net.createServer(client => {
  const upstream = net.connect(wss.address().port, "127.0.0.1")
  client.on("data", b => { bytes += b.length; lastTraffic = now(); upstream.write(b) })
  upstream.on("data", b => { bytes += b.length; lastTraffic = now(); client.write(b) })
  client.on("close", () => upstream.destroy())
  upstream.on("close", () => client.destroy())
  client.on("error", () => upstream.destroy())
  upstream.on("error", () => client.destroy())
})
await new Promise(r => proxy.listen(0, "127.0.0.1", r))
const url = `ws://127.0.0.1:${proxy.address().port}`

async function client() {
  const repo = new Repo({
    storage: new NodeFSStorageAdapter(path.join(work, "client")),
    network: [new BrowserWebSocketClientAdapter(url)],
  })
  await repo.networkSubsystem.whenReady()
  return repo
}

// Find every document, at most `limit` requests in flight (all at once overwhelms the
// server's storage loads and documents come back "unavailable").
async function findAll(repo, limit = 64) {
  let next = 0
  async function worker() {
    while (next < urls.length) {
      const u = urls[next++]
      await repo.find(u)
    }
  }
  await Promise.all(Array.from({ length: limit }, worker))
}

async function quiet(ms) {
  while (now() - lastTraffic < ms / 1000) await new Promise(r => setTimeout(r, 20))
}

// 4. First sync of a fresh client: every document.
bytes = 0
let t0 = now()
let repo = await client()
await findAll(repo)
const firstSync = now() - t0
const firstBytes = bytes
await repo.flush()
await repo.shutdown()

// 5. The same client again, nothing changed: open every document and let sync go quiet.
await quiet(500)
bytes = 0
t0 = now()
lastTraffic = now()
repo = await client()
await findAll(repo)
await quiet(500)
const reconnect = lastTraffic - t0
const reconnectBytes = bytes
await repo.shutdown()
await server.shutdown()
wss.close()
proxy.close()
console.log(JSON.stringify({ docs: docs.length, first_sync_s: firstSync, first_sync_bytes: firstBytes, reconnect_s: reconnect, reconnect_bytes: reconnectBytes }))
process.exit(0)
