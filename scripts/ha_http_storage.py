"""Write Home Assistant's stored HTTP settings: 127.0.0.1 only, on a given port.

Run with the Python of the Home Assistant that will use the configuration:

    .venv/bin/python -m scripts.ha_http_storage config 8123

Since 2026.10 Home Assistant keeps its HTTP settings in `.storage/http` (a
`stable` and a `pending` slot). An `http:` block in configuration.yaml is
moved into the pending slot, which reverts and restarts Home Assistant unless
confirmed within 5 minutes. Writing the stable slot directly (with nothing
pending and the YAML migration marked done) needs no confirmation. The file
is made with the running Home Assistant's own schema and storage version.
"""

from __future__ import annotations

import json
from pathlib import Path
import sys

from homeassistant.components.http import config as http_config
from homeassistant.util import dt as dt_util


def storage(port: int) -> dict[str, object]:
    """The `.storage/http` document: listen on 127.0.0.1:`port` only."""
    stable = http_config.HTTP_STORAGE_SCHEMA(
        {"server_host": ["127.0.0.1"], "server_port": port}
    )
    stable.update(
        created_at=dt_util.utcnow().isoformat(), error=None, error_message=None
    )
    return {
        "version": http_config.STORAGE_VERSION,
        "minor_version": http_config.STORAGE_MINOR_VERSION,
        "key": http_config.STORAGE_KEY,
        "data": {
            http_config.KEY_STABLE: stable,
            http_config.KEY_PENDING: None,
            http_config.KEY_YAML_MIGRATION_DONE: True,
        },
    }


def write(config_dir: Path, port: int) -> None:
    """Write `<config_dir>/.storage/http`."""
    folder = config_dir / ".storage"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "http").write_text(json.dumps(storage(port), indent=2, default=str))


if __name__ == "__main__":
    write(Path(sys.argv[1]), int(sys.argv[2]))
