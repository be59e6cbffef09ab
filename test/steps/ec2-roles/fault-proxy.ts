/**
 * An HTTP proxy in front of the emulator that makes chosen EC2 calls fail in chosen
 * regions, the way AWS fails them: a real EC2 query-protocol error document (or a
 * dropped connection), so the SDK parses it as it would parse AWS's answer. Everything
 * else is forwarded unchanged. The region comes from the SigV4 credential scope
 * (`Credential=AKIA.../20261128/eu-west-2/ec2/aws4_request`), the operation from the
 * form body (`Action=DescribeInstances&...`).
 */
import http from 'node:http';

export interface Fault {
  region: string;
  action: string;
  /** `denied`: HTTP 403 UnauthorizedOperation, as EC2 answers a principal without the permission. `reset`: the socket is destroyed. */
  kind: 'denied' | 'reset';
}

export interface FaultProxy {
  url: string;
  /** Requests the proxy failed on purpose, as `region:Action`. */
  failed: string[];
  close(): Promise<void>;
}

function regionOf(authorization: string | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(authorization ?? '')?.[1];
}

export async function startFaultProxy(target: string, faults: Fault[]): Promise<FaultProxy> {
  const upstream = new URL(target);
  const failed: string[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const region = regionOf(req.headers.authorization);
      const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? undefined;
      const fault = faults.find((f) => f.region === region && f.action === action);
      if (fault) {
        failed.push(`${region}:${action}`);
        if (fault.kind === 'reset') {
          req.socket.destroy();
          return;
        }
        res.writeHead(403, { 'content-type': 'text/xml;charset=UTF-8' });
        res.end(
          `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>UnauthorizedOperation</Code>` +
            `<Message>You are not authorized to perform this operation. User: arn:aws:iam::123456789012:user/alice is not authorized to perform: ec2:${action} because no identity-based policy allows the ec2:${action} action</Message>` +
            `</Error></Errors><RequestID>00000000-0000-4000-8000-000000000000</RequestID></Response>`,
        );
        return;
      }
      const fwd = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: { ...req.headers, host: upstream.host, 'content-length': String(body.length) },
        },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      fwd.on('error', () => res.destroy());
      fwd.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const addr = server.address();
  const port = addr && typeof addr === 'object' ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    failed,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
