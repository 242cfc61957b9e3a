/**
 * Reading a file that holds secrets (a registration token, a list of hosts
 * with their tokens): only a regular file owned by this user that no one
 * else can read or write, checked on the opened descriptor, never through a
 * symbolic link, and never more than a bound.
 */
import fs from 'node:fs';
import { plain } from '../tui/text.js';
import { UsageError } from './error-line.js';

/** What the file is, for messages, and how much of it may be read. */
export interface PrivateFileKind {
  /** What the file is called in messages ("token file", "host list"). */
  what: string;
  /** The largest file read; a longer one is refused. */
  maxBytes: number;
  /** Next step when the file is too long. */
  tooLongHint: string;
  /** The other way to pass the secret, for the next step ("pass it with --token-stdin"). */
  otherWay: string;
}

/** A registration or API token in a file: a few dozen bytes. */
export const TOKEN_FILE: PrivateFileKind = {
  what: 'token file',
  maxBytes: 4096,
  tooLongHint: 'Put only the token in the file.',
  otherWay: 'pass it with --token-stdin',
};

/**
 * Reads a secret file only if it is a regular file owned by this user that
 * no one else can read or write: a token in a world-readable file is as
 * exposed as one on the command line, and one others may write can be
 * swapped for theirs. The checks are made on the opened descriptor, so the
 * file cannot be swapped between check and read, and a symbolic link is
 * refused rather than followed.
 */
export function readPrivateFile(file: string, uid: number, kind: PrivateFileKind = TOKEN_FILE): string {
  const name = `The ${kind.what} ${plain(file)}`;
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') {
      throw new UsageError('SECRET_FILE_NOT_PRIVATE', {
        message: `${name} is a symbolic link; it was not read.`,
        hint: 'Name the file itself, owned by you with mode 0600.',
      });
    }
    const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : (code ?? 'unreadable');
    throw new UsageError('VALIDATION_ERROR', {
      message: `Cannot read the ${kind.what} ${plain(file)} (${why}).`,
      hint: `Check the path, or ${kind.otherWay}.`,
    });
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile())
      throw new UsageError('VALIDATION_ERROR', {
        message: `${name} is not a regular file.`,
        hint: `Name a regular file, or ${kind.otherWay}.`,
      });
    if (st.uid !== uid || (st.mode & 0o077) !== 0) {
      const mode = (st.mode & 0o777).toString(8).padStart(4, '0');
      const problem =
        st.uid !== uid
          ? `is owned by uid ${st.uid}, not by you (uid ${uid})`
          : `has mode ${mode}: other users can ${(st.mode & 0o044) !== 0 ? 'read' : 'write'} it`;
      throw new UsageError('SECRET_FILE_NOT_PRIVATE', {
        message: `${name} ${problem}; it was not read.`,
        hint:
          st.uid !== uid
            ? `Copy it into a file of your own with mode 0600, or ${kind.otherWay}.`
            : `Run \`chmod 600 ${plain(file)}\`, then try again.`,
      });
    }
    const buf = Buffer.alloc(kind.maxBytes + 1);
    // A regular file may come in more than one read; stop one byte past the bound.
    let n = 0;
    for (;;) {
      const got = fs.readSync(fd, buf, n, buf.length - n, n);
      n += got;
      if (got === 0 || n >= buf.length) break;
    }
    if (n > kind.maxBytes)
      throw new UsageError('VALIDATION_ERROR', {
        message: `${name} is too long (more than ${kind.maxBytes} bytes).`,
        hint: kind.tooLongHint,
      });
    return buf.subarray(0, n).toString('utf8');
  } finally {
    fs.closeSync(fd);
  }
}
