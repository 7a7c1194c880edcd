// The exporter's own bundle (dist/exporter.js). prom-client and the YAML parser are needed only
// by `activesync-doctor exporter`; the build keeps this module in a separate file, so a probe,
// a batch or the extension never loads them. It carries its own copy of the probe.
export { loadExporterConfig, ExporterConfigError } from './exporterConfig';
export { startExporter } from './exporterServer';
export { runProbe } from '../probe/probe';
