import { directoryPublisher } from './directory.ts';
import { gitPublisher } from './git.ts';
import type { Publisher } from './publisher.ts';
import { s3Publisher } from './s3.ts';
import { webdavPublisher } from './webdav.ts';

/** Every publisher kind, by the name used in config (`kind:`). */
export const publisherKinds: ReadonlyMap<string, Publisher<unknown>> = new Map(
  [directoryPublisher, gitPublisher, s3Publisher, webdavPublisher].map((publisher) => [
    publisher.kind,
    publisher as Publisher<unknown>,
  ]),
);
