// jsonwebtoken's decode on its own: the package root would also bundle sign and verify (and
// their dependencies) into the engine, which only ever reads claims.
declare module 'jsonwebtoken/decode' {
  import { decode } from 'jsonwebtoken';
  export default decode;
}
