// The lab's own bundle (dist/lab.js). The lab needs node-forge to mint certificates, which costs
// tens of milliseconds to load; the CLI and the extension reach the lab only through this module,
// which the build keeps in a separate file, so a probe of a real server never loads it.
export { startLab, formatLabListing } from './labServer';
export type { RunningLab, LabEndpoint, LabOAuthEndpoints, StartLabOptions } from './labServer';
