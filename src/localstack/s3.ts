// The local S3: fauxqs 1.9.x, an npm S3 emulator that passed every S3 operation rsetl needs with
// the AWS SDK's default settings. It keeps objects in
// memory and refuses request bodies over ~11 MiB, so rsetl's multipart parts stay at 8 MiB.
// s3rver 3.7.1 was rejected: with default SDK checksums it silently stores the aws-chunked
// framing inside streamed objects.
import { startFauxqs } from 'fauxqs';

export interface LocalS3 {
  readonly endpoint: string;
  readonly port: number;
  readonly region: string;
  /** Static keys the local server accepts (any are accepted; these are placeholders). */
  readonly credentials: { accessKeyId: string; secretAccessKey: string };
  createBucket(name: string): void;
  stop(): Promise<void>;
}

export async function startLocalS3(options: { port?: number; buckets?: string[] } = {}): Promise<LocalS3> {
  const server = await startFauxqs({ port: options.port ?? 0, host: '127.0.0.1', logger: false });
  for (const b of options.buckets ?? []) server.createBucket(b);
  return {
    endpoint: `http://127.0.0.1:${server.port}`,
    port: server.port,
    region: 'us-east-1',
    credentials: { accessKeyId: 'rsetl-local', secretAccessKey: 'rsetl-local-secret' },
    createBucket: (name) => void server.createBucket(name),
    stop: () => server.stop(),
  };
}
