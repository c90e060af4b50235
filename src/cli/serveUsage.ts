/** `revcam serve --help`, apart from serve.ts so `revcam --help` does not load the gateway. */
import { DEFAULT_CONFIG } from '../config/defaults.js';
import { DRIVE_NAMES } from '../signals/drives.js';

export const SERVE_USAGE = `usage: revcam serve [options]

Starts the gateway: the display app, the stream endpoints and the services
the config names. Runs until SIGINT or SIGTERM.

  -c, --config FILE   YAML or JSON config (default: built-in defaults; see examples/revcam.yaml)
  -p, --port N        listen port, 0 = any free port (default ${DEFAULT_CONFIG.server.port}; env REVCAM_PORT)
      --host H        listen address (default ${DEFAULT_CONFIG.server.host}; env REVCAM_HOST)
      --drive NAME    start a scripted drive in the simulator: ${DRIVE_NAMES.join(' | ')}
      --nats URL      also join a NATS bus (nats://H:P): announce these services as
                      --vehicle and stream every vehicle on the bus (docs/distributed.md)
      --vehicle NAME  the vehicle these services belong to (with --nats; required there)
  -h, --help          this help

Precedence: defaults, then the config file, then REVCAM_* variables, then these options.

example:
  revcam serve --config examples/revcam.yaml --port 8080 --drive park-left
`;
