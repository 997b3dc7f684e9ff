// The page short links point to in the browser tests: any path answers a small HTML page naming that path.
// Listens on 127.0.0.2 (the local stack refuses links to its own hosts, 127.0.0.1 among them) on a free port,
// and prints its base URL as the first line of stdout.
import { createServer } from "node:http";

const host = process.argv[2] ?? "127.0.0.2";

const escape = (text) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const server = createServer((request, response) => {
  const body = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Target page</title></head>`
    + `<body><h1>Target page</h1><p id="path">${escape(request.url ?? "")}</p></body></html>`;
  response.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  response.end(body);
});

server.listen(0, host, () => {
  const { port } = server.address();
  process.stdout.write(`http://${host}:${port}/\n`);
});

for (const signal of ["SIGTERM", "SIGINT"]) process.on(signal, () => server.close(() => process.exit(0)));
