/** The production logger, each line serialised as in production, then dropped (disk speed is not what we measure). */
import { Writable } from 'node:stream';
import { createLogger } from '../../logging/logger.js';

export const droppedLogs = () => createLogger({ level: 'info', destination: new Writable({ write: (_c, _e, done) => done() }) });
