/** Where `run` and `validate` look when no file is named: the bundled config, relative to the working directory. */
export const DEFAULT_CONFIG_FILE = 'config/tributary.yaml';
