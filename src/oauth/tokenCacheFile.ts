// msal-node's token cache, kept in a file only when the user asks (--token-cache FILE). The file
// holds refresh and access tokens, so it is created with mode 0600 (owner only), written whole to
// a temporary file of the same mode and renamed over the old one, and a file others can read is
// tightened to 0600 before it is used.
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import type { ICachePlugin, TokenCacheContext } from '@azure/msal-node';

const OWNER_ONLY = 0o600;

export function tokenCacheFilePlugin(file: string): ICachePlugin {
  return {
    async beforeCacheAccess(context: TokenCacheContext): Promise<void> {
      let text: string;
      try {
        if (process.platform !== 'win32' && (statSync(file).mode & 0o077) !== 0) chmodSync(file, OWNER_ONLY);
        text = readFileSync(file, 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
        throw new Error(`Cannot read the token cache ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
      if (text.trim()) {
        try {
          context.tokenCache.deserialize(text);
        } catch {
          // A damaged cache only costs a new sign-in; it is replaced on the next write.
        }
      }
    },
    async afterCacheAccess(context: TokenCacheContext): Promise<void> {
      if (!context.cacheHasChanged) return;
      const temporary = `${file}.${process.pid}.tmp`;
      const fd = openSync(temporary, 'w', OWNER_ONLY);
      try {
        writeSync(fd, context.tokenCache.serialize());
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(temporary, file);
    },
  };
}
